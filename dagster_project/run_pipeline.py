"""`make run`: build the warehouse from the landing files and publish it, then print a summary.

Usage: python -m dagster_project.run_pipeline [--from DAY] [--to DAY] [--as-of YYYY-MM-DD]
                                              [--full-refresh]

One run loads the event sources' landing days DAY..DAY (default: every day present in the
landing folder), the object sources' new files, builds dbt and publishes. A range is the
backfill: the days are replaced, never appended twice. The as-of date defaults to the last day.
`--full-refresh` rebuilds dbt's incremental models from raw.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb

from dagster_project.extraction.landing import landing_dates
from dagster_project.extraction.partitions import day_range_tags
from dagster_project.metric_config import landing_start_date
from dagster_project.paths import warehouse_paths
from dagster_project.publishing.availability import availability_lines
from dagster_project.publishing.headline import read_headline


def prepare_dbt_manifest() -> None:
    """Parse the dbt project once, before definitions load (they read target/manifest.json)."""
    from dagster_project.transformation.project import prepare_manifest

    prepare_manifest()


def landing_day_range(landing_dir: Path) -> tuple[date, date]:
    """Every landing day present: from the initial export to the newest increment."""
    days = landing_dates(landing_dir)
    return landing_start_date(), max(days, default=landing_start_date())


def execute(
    warehouse: dg.ConfigurableResource,
    first: date,
    last: date,
    instance: dg.DagsterInstance | None = None,
    full_refresh: bool = False,
) -> dg.ExecuteInProcessResult:
    """One in-process run of `full_build` over landing days first..last."""
    from dagster_project.definitions import defs

    return defs.resolve_job_def("full_build").execute_in_process(
        run_config={"ops": {"revops_dbt_assets": {"config": {"full_refresh": full_refresh}}}},
        instance=instance,
        resources={"warehouse": warehouse},
        tags=day_range_tags(first, last),
        raise_on_error=False,
    )


def run(
    first: date | None, last: date | None, as_of_date: str, full_refresh: bool = False
) -> dg.ExecuteInProcessResult:
    os.environ.setdefault("REVOPS_DUCKDB_PATH", str(warehouse_paths().build_db))
    prepare_dbt_manifest()
    from dagster_project.resources import default_warehouse

    default_first, default_last = landing_day_range(warehouse_paths().landing_dir)
    first, last = first or default_first, last or default_last
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else None
    warehouse = default_warehouse(as_of_date or last.isoformat())
    return execute(warehouse, first, last, instance, full_refresh)


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
        "--full-refresh", action="store_true", help="rebuild dbt's incremental models from raw"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    result = run(args.first, args.last, args.as_of, args.full_refresh)
    if not result.success:
        failures = "\n".join(failure_lines(result))
        sys.exit(f"{failures}\npipeline failed; the published warehouse is unchanged")
    print(summary(str(warehouse_paths().published_db)))
    print(f"pipeline {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main()
