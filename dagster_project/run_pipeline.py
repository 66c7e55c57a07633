"""`make run`: build the warehouse from the landing files and publish it, then print a summary.

Usage: python -m dagster_project.run_pipeline [--from DAY] [--to DAY] [--as-of YYYY-MM-DD]
                                              [--first-landing-day DAY] [--full-refresh]
                                              [--lock-timeout SECONDS]

One run loads the event sources' landing days DAY..DAY (default: every day present in the
landing folder), the object sources' new files, builds dbt and publishes. A range is the
backfill: the days are replaced, never appended twice. The as-of date defaults to the last day.
`--first-landing-day` says which day the undated initial export landed (the setting
REVOPS_FIRST_LANDING_DAY, for this run). `--full-refresh` rebuilds dbt's incremental models from
raw. A run first takes the warehouse's writer lock (automation/writer_lock.py), before anything
else: while another run holds it, this one waits up to `--lock-timeout` seconds (the setting
REVOPS_WRITER_LOCK_TIMEOUT, default an hour), then stops without having started.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb

from dagster_project.automation.writer_lock import WarehouseBusy, writer_lock
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
from dagster_project.publishing.availability import availability_lines
from dagster_project.publishing.headline import read_headline


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


def execute(
    warehouse: dg.ConfigurableResource,
    first: date,
    last: date,
    instance: dg.DagsterInstance | None = None,
    full_refresh: bool = False,
    run_id: str | None = None,
) -> dg.ExecuteInProcessResult:
    """One in-process run of `full_build` over landing days first..last."""
    from dagster_project.automation.console_log import console_logger
    from dagster_project.definitions import defs

    job = defs.resolve_job_def("full_build").with_logger_defs({"console": console_logger})
    return job.execute_in_process(
        run_config={
            "ops": {"revops_dbt_assets": {"config": {"full_refresh": full_refresh}}},
            # A job's own loggers are used only when the run config names them.
            "loggers": {"console": {}},
        },
        instance=instance,
        resources={"warehouse": warehouse},
        tags=day_range_tags(first, last),
        raise_on_error=False,
        run_id=run_id,
    )


def published_version(database: Path) -> tuple[str, str] | None:
    """(run id, as-of date) of the published warehouse; None when nothing is published."""
    if not database.exists():
        return None
    try:
        with duckdb.connect(str(database), read_only=True) as con:
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
) -> tuple[dg.ExecuteInProcessResult, tuple[str, str] | None]:
    """Run `full_build` under the warehouse's writer lock; return the result and the version
    published when the run started (under the lock: what a failed run leaves in place)."""
    paths = warehouse_paths()
    os.environ.setdefault("REVOPS_DUCKDB_PATH", str(paths.build_db))
    run_id = str(uuid.uuid4())
    # The lock comes first: two processes creating the Dagster instance of a fresh DAGSTER_HOME
    # at once collide on its schema, and two parsing the dbt project on one manifest.
    with writer_lock(paths.build_db, run_id, lock_timeout):
        published = published_version(paths.published_db)
        # The as-of date the run will have, when already known, dates a lone initial export.
        known_as_of = date.fromisoformat(as_of_date) if as_of_date else last
        default_first, default_last = landing_day_range(paths.landing_dir, known_as_of)
        first, last = first or default_first, last or default_last
        prepare_dbt_manifest()
        from dagster_project.resources import default_warehouse

        instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else None
        warehouse = default_warehouse(as_of_date or last.isoformat())
        return execute(warehouse, first, last, instance, full_refresh, run_id), published


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


def summary(database: str) -> str:
    with duckdb.connect(database, read_only=True) as con:
        version = con.execute("select run_id, as_of_date from meta.warehouse_version").fetchone()
        tables = con.execute(
            "select schema_name, table_name, estimated_size from duckdb_tables() "
            "where schema_name in ('raw', 'marts') order by 1, 2"
        ).fetchall()
        headline = read_headline(con, version[1])
        availability = availability_lines(con)
    lines = [f"published {database}", f"run {version[0]}, as of {version[1]}"]
    lines += [f"  {schema}.{table:<40} {rows:>12,}" for schema, table, rows in tables]
    lines += [*availability, "headline metrics", *headline.lines()]
    return "\n".join(lines)


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


def main() -> None:
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
        "--lock-timeout",
        type=float,
        help="seconds to wait for a run holding the warehouse (default: "
        "REVOPS_WRITER_LOCK_TIMEOUT, else 3600)",
    )
    args = parser.parse_args()
    if args.first_landing_day:
        os.environ[FIRST_LANDING_DAY_ENV] = args.first_landing_day.isoformat()
    started = time.perf_counter()
    try:
        result, published = run(
            args.first, args.last, args.as_of, args.full_refresh, args.lock_timeout
        )
    except (WarehouseBusy, LandingLayoutError, ConfigFileError) as error:
        # Found before the run started: one line, no traceback; nothing was written.
        sys.exit(f"pipeline not started: {error}")
    if not result.success:
        failures = "\n".join(failure_lines(result))
        state = published_after_failure(result.run_id, published, warehouse_paths().published_db)
        sys.exit(f"{failures}\npipeline failed; {state}")
    print(summary(str(warehouse_paths().published_db)))
    print(f"pipeline {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main()
