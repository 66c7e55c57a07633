"""`make run`: build the warehouse from the landing files and publish it, then print a summary.

Usage: python -m dagster_project.run_pipeline [--as-of YYYY-MM-DD]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import dagster as dg
import duckdb

from dagster_project.automation.headline import read_headline
from dagster_project.paths import warehouse_paths


def prepare_dbt_manifest() -> None:
    """Parse the dbt project once, before definitions load (they read target/manifest.json)."""
    from dagster_project.transformation.project import prepare_manifest

    prepare_manifest()


def run(as_of_date: str) -> dg.ExecuteInProcessResult:
    os.environ.setdefault("REVOPS_DUCKDB_PATH", str(warehouse_paths().build_db))
    prepare_dbt_manifest()
    from dagster_project.definitions import defs

    job = defs.resolve_job_def("full_build")
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else None
    return job.execute_in_process(
        instance=instance,
        resources={"warehouse": _warehouse(as_of_date)},
        raise_on_error=False,
    )


def _warehouse(as_of_date: str) -> dg.ConfigurableResource:
    from dagster_project.resources import default_warehouse

    return default_warehouse(as_of_date)


def summary(database: str) -> str:
    with duckdb.connect(database, read_only=True) as con:
        version = con.execute("select run_id, as_of_date from meta.warehouse_version").fetchone()
        tables = con.execute(
            "select schema_name, table_name, estimated_size from duckdb_tables() "
            "where schema_name in ('raw', 'marts') order by 1, 2"
        ).fetchall()
        headline = read_headline(con, version[1])
    lines = [f"published {database}", f"run {version[0]}, as of {version[1]}"]
    lines += [f"  {schema}.{table:<40} {rows:>12,}" for schema, table, rows in tables]
    lines += ["headline metrics", *headline.lines()]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--as-of", default="", help="as-of date (default: dbt_project.yml)")
    args = parser.parse_args()
    started = time.perf_counter()
    result = run(args.as_of)
    if not result.success:
        failed = [event.step_key for event in result.all_events if event.is_step_failure]
        sys.exit(f"pipeline failed at {failed}; the published warehouse is unchanged")
    print(summary(str(warehouse_paths().published_db)))
    print(f"pipeline {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main()
