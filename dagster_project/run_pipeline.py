"""`make run`: build the warehouse from the landing files and publish it, then print a summary.

Usage: python -m dagster_project.run_pipeline [--from DAY] [--to DAY] [--as-of YYYY-MM-DD]
                                              [--first-landing-day DAY] [--full-refresh]
                                              [--publish] [--verbose] [--lock-timeout SECONDS]

One run loads the event sources' landing days DAY..DAY (default: every day present in the
landing folder), the object sources' new files, builds dbt and publishes. A range is the
backfill: the days are replaced, never appended twice. The as-of date defaults to the last day
(the last landed day when the range reaches past it). A run as of a date earlier than the served
warehouse builds a side warehouse unless `--publish` is given (cli/history.py).
`--first-landing-day` says which day the undated initial export landed (the setting
REVOPS_FIRST_LANDING_DAY, for this run). `--full-refresh` rebuilds dbt's incremental models from
raw. A run first takes the warehouse's writer lock (automation/writer_lock.py), before anything
else: while another run holds it, this one waits up to `--lock-timeout` seconds (the setting
REVOPS_WRITER_LOCK_TIMEOUT, default an hour), then stops without having started. The console
shows phases and problems, the log file everything (`--verbose`: the console too); every run is
recorded in the Dagster instance of DAGSTER_HOME (default `.dagster_home`).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from dagster_project import duckdb_limits
from dagster_project.automation.run_config import AS_OF_TAG
from dagster_project.automation.writer_lock import WarehouseBusy, writer_lock
from dagster_project.cli.console import RunConsole, captured, console_logger, log_file, step_phases
from dagster_project.cli.history import (
    WAREHOUSE_TAG,
    plan_run,
    prepare_side_build,
    served_as_of_date,
)
from dagster_project.cli.instance import dagster_home, run_instance
from dagster_project.cli.summary import shown, summary_lines, where_lines
from dagster_project.extraction.config_files import ConfigFileError
from dagster_project.extraction.landing import (
    FIRST_LANDING_DAY_ENV,
    LandingLayoutError,
    initial_export_day,
    landing_dates,
)
from dagster_project.extraction.partitions import day_range_tags
from dagster_project.metric_config import default_as_of_date
from dagster_project.paths import warehouse_paths
from dagster_project.postgres.settings import TARGET_VARIABLE


def prepare_dbt_manifest() -> None:
    """Parse the dbt project once, before definitions load (they read target/manifest.json)."""
    from dagster_project.transformation.project import prepare_manifest

    prepare_manifest()


def landing_day_range(landing_dir: Path, as_of: date | None = None) -> tuple[date, date]:
    """Every landing day present: from the initial export to the newest increment. `as_of`
    (default: dbt's `as_of_date`) dates an initial export without increments."""
    as_of = as_of or date.fromisoformat(default_as_of_date())
    days = landing_dates(landing_dir, as_of)
    if not days:
        initial_day = initial_export_day(landing_dir, as_of)
        return initial_day, initial_day
    return days[0], days[-1]


def job_for_target(environ: Mapping[str, str]) -> str:
    """`full_build` (DuckDB), or `postgres_build` when REVOPS_TARGET=postgres."""
    target = environ.get(TARGET_VARIABLE, "duckdb") or "duckdb"
    if target not in ("duckdb", "postgres"):
        raise SystemExit(f"{TARGET_VARIABLE}={target!r}: expected duckdb or postgres")
    return "postgres_build" if target == "postgres" else "full_build"


def build_step_config(job_name: str, full_refresh: bool, served: bool) -> dict[str, Any]:
    """The run config of the job's build step. A side run (an earlier as-of date) has a DuckDB
    build file of its own, but PostgreSQL one set of published schemas, whose incremental tables
    hold later days: there it rebuilds them from raw."""
    if job_name == "full_build":
        return {"revops_dbt_assets": {"config": {"full_refresh": full_refresh}}}
    return {"postgres_warehouse": {"config": {"full_refresh": full_refresh or not served}}}


def execute(
    warehouse: dg.ConfigurableResource,
    first: date,
    last: date,
    instance: dg.DagsterInstance | None = None,
    full_refresh: bool = False,
    run_id: str | None = None,
    console: RunConsole | None = None,
    served: bool = True,
) -> dg.ExecuteInProcessResult:
    """One in-process run of `full_build` over landing days first..last. Its log records go to
    `console` (cli/console.py) when given, else to Dagster's console log."""
    from dagster_project.automation.console_log import console_logger as dagster_console
    from dagster_project.definitions import defs

    logger = dagster_console
    if console:
        console.expect(step_phases(defs))
        logger = console_logger(console)
    job_name = job_for_target(os.environ)
    job = defs.resolve_job_def(job_name).with_logger_defs({"console": logger})
    as_of_date = warehouse.as_of_date or default_as_of_date()
    return job.execute_in_process(
        run_config={
            "ops": build_step_config(job_name, full_refresh, served),
            # A job's own loggers are used only when the run config names them.
            "loggers": {"console": {}},
        },
        instance=instance,
        resources={"warehouse": warehouse},
        tags={
            **day_range_tags(first, last),
            AS_OF_TAG: as_of_date,
            WAREHOUSE_TAG: "served" if served else "side",
        },
        raise_on_error=False,
        run_id=run_id,
    )


def published_version(database: Path) -> tuple[str, str] | None:
    """(run id, as-of date) of the published warehouse; None when nothing is published."""
    if not database.exists():
        return None
    try:
        with duckdb_limits.connect(database, read_only=True) as con:
            run_id, as_of = con.execute(
                "select run_id, as_of_date from meta.warehouse_version"
            ).fetchone()
    except (duckdb.Error, TypeError):
        return None
    return str(run_id), str(as_of)


def run(
    first: date | None,
    last: date | None,
    as_of_date: str,
    full_refresh: bool = False,
    lock_timeout: float | None = None,
    publish: bool = False,
    console: RunConsole | None = None,
) -> tuple[dg.ExecuteInProcessResult, tuple[str, str] | None, Path]:
    """Run `full_build` under the warehouse's writer lock, recorded in the Dagster instance;
    return the result, the version published when the run started (under the lock: what a
    failed run leaves in place) and the warehouse the run publishes (the served one, or a side
    one: cli/history.py)."""
    paths = warehouse_paths()
    os.environ.setdefault("REVOPS_DUCKDB_PATH", str(paths.build_db))
    run_id = str(uuid.uuid4())
    # The lock comes first: two processes creating the Dagster instance of a fresh DAGSTER_HOME
    # at once collide on its schema, and two parsing the dbt project on one manifest. A side
    # run takes it too: it shares both.
    with writer_lock(paths.build_db, run_id, lock_timeout):
        published = published_version(paths.published_db)
        # The as-of date the run will have, when already known, dates a lone initial export.
        as_of = date.fromisoformat(as_of_date) if as_of_date else None
        landed = landing_day_range(paths.landing_dir, as_of or last)
        served = served_as_of_date(paths.published_db)
        plan = plan_run(landed, first, last, as_of, served, publish)
        prepare_dbt_manifest()
        from dagster_project.resources import WarehouseResource, default_warehouse

        warehouse = default_warehouse(plan.as_of_date.isoformat())
        if not plan.publish:
            build, side = prepare_side_build(paths, plan.as_of_date)
            warehouse = WarehouseResource(
                database=str(build),
                landing_dir=warehouse.landing_dir,
                published_database=str(side),
                as_of_date=warehouse.as_of_date,
            )
        if console:
            for warning in plan.warnings:
                console.say(f"warning: {warning}")
            target = "the served warehouse" if plan.publish else "a side warehouse"
            console.say(
                f"landing days {plan.first}..{plan.last}, as of {plan.as_of_date}, into {target}"
            )
        result = execute(
            warehouse,
            plan.first,
            plan.last,
            run_instance(),
            full_refresh,
            run_id,
            console,
            plan.publish,
        )
        return result, published, Path(warehouse.published_database)


def published_by(result: dg.ExecuteInProcessResult) -> bool:
    """Whether the run published (a run whose inputs had not changed skips it)."""
    return any(
        event.asset_key == dg.AssetKey(["published_warehouse"])
        for event in result.get_asset_materialization_events()
    )


def postgres_summary(result: dg.ExecuteInProcessResult) -> str:
    """What the PostgreSQL target published (postgres/assets.py's metadata)."""
    for event in result.get_asset_materialization_events():
        if event.asset_key == dg.AssetKey(["postgres_warehouse"]):
            meta = {key: value.value for key, value in event.materialization.metadata.items()}
            return (
                f"published on PostgreSQL {meta['server']}, as of {meta['as_of_date']}: "
                f"{meta['raw_rows']:,} raw rows copied, built, checked and swapped in "
                f"in {meta['seconds']} s"
            )
    return "PostgreSQL: nothing published"


def published_after_failure(run_id: str, before: tuple[str, str] | None, database: Path) -> str:
    """What a failed run can say of the published warehouse, from what it holds now."""
    now = published_version(database)
    if now == before:
        shown = f"run {now[0]}, as of {now[1]}" if now else "nothing published yet"
        return f"the published warehouse is unchanged ({shown})"
    if now and now[0] == run_id:
        return f"this run published the warehouse (as of {now[1]}) before a later step failed"
    shown = f"run {now[0]}, as of {now[1]}" if now else "nothing"
    return f"the published warehouse changed during this run, by another run: it holds {shown}"


def failure_lines(result: dg.ExecuteInProcessResult) -> list[str]:
    """Each failed step with what it reported (a preflight names every missing table), and what
    failed at start, in no step (a malformed CRM mapping or reps file)."""
    lines = []
    for event in result.all_events:
        if event.event_type_value == "RESOURCE_INIT_FAILURE":
            lines.append(f"at start: {event.event_specific_data.error.message.strip()}")
        if not event.is_step_failure:
            continue
        data = event.step_failure_data
        user = data.user_failure_data
        error = data.error.message if data.error else "failed"
        message = user.description if user and user.description else error
        lines.append(f"{event.step_key}: {message.strip()}")
    return lines


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--from", dest="first", type=date.fromisoformat, help="first landing day")
    parser.add_argument("--to", dest="last", type=date.fromisoformat, help="last landing day")
    parser.add_argument("--as-of", default="", help="as-of date (default: the last landing day)")
    parser.add_argument(
        "--first-landing-day",
        type=date.fromisoformat,
        help=f"the day the undated initial export landed (sets {FIRST_LANDING_DAY_ENV})",
    )
    parser.add_argument(
        "--full-refresh", action="store_true", help="rebuild dbt's incremental models from raw"
    )
    parser.add_argument(
        "--publish",
        action="store_true",
        help="replace the served warehouse even when the run is as of an earlier date",
    )
    parser.add_argument(
        "--verbose", action="store_true", help="print Dagster's events and dbt's lines too"
    )
    parser.add_argument(
        "--lock-timeout",
        type=float,
        help="seconds to wait for a run holding the warehouse (default: "
        "REVOPS_WRITER_LOCK_TIMEOUT, else 3600)",
    )
    return parser.parse_args(argv)


def main() -> None:
    args = parse_args()
    if args.first_landing_day:
        os.environ[FIRST_LANDING_DAY_ENV] = args.first_landing_day.isoformat()
    # The instance `make dev` shows, also when run without make (cli/instance.py).
    os.environ.setdefault("DAGSTER_HOME", str(dagster_home()))
    started = time.perf_counter()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    log_path = log_file(warehouse_paths().data_dir / "logs", stamp)
    with log_path.open("w", encoding="utf-8") as log:
        console = RunConsole(sys.stdout, log, verbose=args.verbose)
        console.say(f"revops run: log in {shown(log_path)}")
        try:
            with captured(console):
                result, before, published = run(
                    args.first,
                    args.last,
                    args.as_of,
                    args.full_refresh,
                    args.lock_timeout,
                    args.publish,
                    console,
                )
        except (WarehouseBusy, LandingLayoutError, ConfigFileError) as error:
            # Found before the run started: one line, no traceback; nothing was written.
            sys.exit(f"pipeline not started: {error}")
        on_postgres = job_for_target(os.environ) == "postgres_build"
        if not result.success:
            console.say("\n".join(failure_lines(result)))
            state = (
                "the published PostgreSQL schemas are unchanged"
                if on_postgres
                else published_after_failure(result.run_id, before, warehouse_paths().published_db)
            )
            sys.exit(f"pipeline failed; {state} (log: {shown(log_path)})")
        if on_postgres:
            console.say(postgres_summary(result))
            console.say(f"pipeline {time.perf_counter() - started:.1f}s")
            return
        if not published_by(result):
            console.say(
                "nothing changed since the published version (the same landing files, rules, "
                "definitions and as-of date): nothing was rebuilt; it stays as it was"
            )
        served = published == warehouse_paths().published_db
        for line in summary_lines(published, served) + where_lines(published, log_path):
            console.say(line)
        console.say(f"pipeline {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main()
