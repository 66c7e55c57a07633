"""`make run`: build the warehouse from the landing files and publish it, then print a summary.

Usage: python -m dagster_project.run_pipeline [--from DAY] [--to DAY] [--as-of YYYY-MM-DD]
                                              [--first-landing-day DAY] [--full-refresh]
                                              [--publish] [--verbose]

One run loads the event sources' landing days DAY..DAY (default: every day present in the
landing folder), the object sources' new files, builds dbt and publishes. A range is the
backfill: the days are replaced, never appended twice. The as-of date defaults to the last day
(the last landed day when the range reaches past it). A run as of a date earlier than the served
warehouse builds a side warehouse unless `--publish` is given (cli/history.py).
`--first-landing-day` says which day the undated initial export landed (the setting
REVOPS_FIRST_LANDING_DAY, for this run). `--full-refresh` rebuilds dbt's incremental models from
raw. The console shows phases and problems, the log file everything (`--verbose`: the console
too); every run is recorded in the Dagster instance of DAGSTER_HOME (default `.dagster_home`).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import dagster as dg

from dagster_project.automation.run_config import AS_OF_TAG
from dagster_project.cli.console import RunConsole, captured, console_logger, log_file, step_phases
from dagster_project.cli.history import (
    WAREHOUSE_TAG,
    plan_run,
    prepare_side_build,
    served_as_of_date,
)
from dagster_project.cli.instance import dagster_home, run_instance
from dagster_project.cli.summary import shown, summary_lines, where_lines
from dagster_project.extraction.landing import (
    FIRST_LANDING_DAY_ENV,
    initial_export_day,
    landing_dates,
)
from dagster_project.extraction.partitions import day_range_tags
from dagster_project.metric_config import default_as_of_date
from dagster_project.paths import warehouse_paths


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
    console: RunConsole | None = None,
    served: bool = True,
) -> dg.ExecuteInProcessResult:
    """One in-process run of `full_build` over landing days first..last. With a console, the
    run's log records go to it (cli/console.py) instead of Dagster's console logger."""
    from dagster_project.definitions import defs

    job = defs.resolve_job_def("full_build")
    run_config: dict[str, Any] = {
        "ops": {"revops_dbt_assets": {"config": {"full_refresh": full_refresh}}}
    }
    if console:
        console.expect(step_phases(defs))
        job = job.with_logger_defs({"console": console_logger(console)})
        # A run starts the loggers its run config names, else Dagster's default console one.
        run_config["loggers"] = {"console": {}}
    as_of_date = warehouse.as_of_date or default_as_of_date()
    return job.execute_in_process(
        run_config=run_config,
        instance=instance,
        resources={"warehouse": warehouse},
        tags={
            **day_range_tags(first, last),
            AS_OF_TAG: as_of_date,
            WAREHOUSE_TAG: "served" if served else "side",
        },
        raise_on_error=False,
    )


def run(
    first: date | None,
    last: date | None,
    as_of_date: str,
    full_refresh: bool = False,
    publish: bool = False,
    console: RunConsole | None = None,
) -> tuple[dg.ExecuteInProcessResult, Path]:
    """One command-line run, recorded in the Dagster instance; returns it and the warehouse it
    published (the served one, or a side one: cli/history.py)."""
    paths = warehouse_paths()
    os.environ.setdefault("REVOPS_DUCKDB_PATH", str(paths.build_db))
    prepare_dbt_manifest()
    from dagster_project.resources import WarehouseResource, default_warehouse

    # The as-of date the run will have, when already known, dates a lone initial export.
    as_of = date.fromisoformat(as_of_date) if as_of_date else None
    landed = landing_day_range(paths.landing_dir, as_of or last)
    plan = plan_run(landed, first, last, as_of, served_as_of_date(paths.published_db), publish)
    warehouse = default_warehouse(plan.as_of_date.isoformat())
    if not plan.publish:
        build, published = prepare_side_build(paths, plan.as_of_date)
        # dbt's profile reads the build file from this variable (the dbt step sets it too).
        os.environ["REVOPS_DUCKDB_PATH"] = str(build)
        warehouse = WarehouseResource(
            database=str(build),
            landing_dir=warehouse.landing_dir,
            published_database=str(published),
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
        warehouse, plan.first, plan.last, run_instance(), full_refresh, console, plan.publish
    )
    return result, Path(warehouse.published_database)


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
        with captured(console):
            result, published = run(
                args.first, args.last, args.as_of, args.full_refresh, args.publish, console
            )
        if not result.success:
            console.say("\n".join(failure_lines(result)))
            sys.exit(f"pipeline failed; the published warehouse is unchanged (log: {log_path})")
        served = published == warehouse_paths().published_db
        for line in summary_lines(published, served) + where_lines(published, log_path):
            console.say(line)
        console.say(f"pipeline {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main()
