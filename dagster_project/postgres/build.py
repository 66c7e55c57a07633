"""The dbt project built on PostgreSQL: raw copied from the build warehouse, `dbt build` into
schemas beside the published ones, and those swapped in at once when the build passed.

    python -m dagster_project.postgres.build --build-db data/warehouse/build/revops.duckdb

reads the server from the REVOPS_PG_* variables (settings.py) and the as-of date from
REVOPS_AS_OF_DATE (default: dbt's default_as_of_date). Extraction (row rules, quarantine, the
row accounting) runs first, as always, into the DuckDB build file (`make run` or run_pipeline).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from dagster_project.metric_config import default_as_of_date
from dagster_project.paths import DBT_PROJECT_DIR
from dagster_project.postgres.mart_checks import blocking_failures, run_mart_suites
from dagster_project.postgres.publish import (
    BUILD_SUFFIX,
    drop_build_schemas,
    publish_schemas,
    start_from_published,
)
from dagster_project.postgres.raw_copy import copy_raw
from dagster_project.postgres.settings import PostgresConnectionError, PostgresSettings, connect
from dagster_project.transformation.cli_args import dbt_build_args
from dagster_project.transformation.project import DBT_PROJECT, dbt_command_line, prepare_manifest
from dagster_project.transformation.test_window import incremental_models


def check_server(settings: PostgresSettings) -> None:
    """Connect once before any work: an unreachable server or refused credentials stop here
    with PostgresConnectionError, which names host, port, database and the variables."""
    connect(settings).close()


def dbt_build(
    settings: PostgresSettings,
    as_of_date: str,
    target_path: Path,
    *options: str,
    schema_suffix: str = "",
) -> subprocess.CompletedProcess[str]:
    """`dbt build` of the whole project on the server, as the pipeline builds it on DuckDB; with
    `schema_suffix`, into `<schema><suffix>` beside the published schemas."""
    command = dbt_command_line(*dbt_build_args(), *options, target=target_path)
    env = {
        **os.environ,
        **settings.env(),
        "REVOPS_AS_OF_DATE": as_of_date,
        "REVOPS_BUILD_SCHEMA_SUFFIX": schema_suffix,
    }
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build-db", type=Path, required=True, help="the DuckDB build file")
    parser.add_argument("--target-path", type=Path, default=DBT_PROJECT_DIR / "target" / "pg")
    parser.add_argument(
        "--full-refresh", action="store_true", help="rebuild the incremental models from raw"
    )
    args = parser.parse_args(argv)
    try:
        settings = PostgresSettings.from_env()
        check_server(settings)
    except PostgresConnectionError as refused:
        print(refused, file=sys.stderr)
        return 2
    copied = copy_raw(args.build_db, settings)
    print(f"raw copied: {sum(copied['rows'].values())} rows in {len(copied['rows'])} tables")
    as_of = os.environ.get("REVOPS_AS_OF_DATE") or default_as_of_date()
    prepare_manifest()  # which models are incremental (the pipeline parses before it runs)
    return build_and_publish(settings, as_of, args.target_path, full_refresh=args.full_refresh)


def incremental_tables() -> list[tuple[str, str]]:
    """(schema, table) of every incremental model, from the project's manifest."""
    manifest = json.loads(DBT_PROJECT.manifest_path.read_text(encoding="utf-8"))
    return [(node["schema"], node["alias"]) for node in incremental_models(manifest)]


def build_and_publish(
    settings: PostgresSettings,
    as_of_date: str,
    target_path: Path,
    *options: str,
    check_marts: bool = True,
    full_refresh: bool = False,
) -> int:
    """dbt build (with dbt's `options`) into the `__build` schemas, then the marts' quality
    suites on them (`check_marts`); published only when every node and every blocking rule
    passed. The build schemas start with a copy of the published incremental models, so those
    build incrementally, as on DuckDB; `full_refresh` starts from empty schemas and rebuilds
    them from raw."""
    connection = connect(settings)
    try:
        drop_build_schemas(connection)
        if full_refresh:
            options = (*options, "--full-refresh")
        else:
            copied = start_from_published(connection, incremental_tables())
            print(
                f"build schemas start from the published incremental models: {len(copied)} "
                f"tables, {sum(copied.values())} rows"
            )
        result = dbt_build(settings, as_of_date, target_path, *options, schema_suffix=BUILD_SUFFIX)
        sys.stdout.write(result.stdout[-4000:])
        if result.returncode != 0:
            print("dbt build failed: the published schemas are unchanged", file=sys.stderr)
            return result.returncode
        if check_marts:
            failures = blocking_failures(run_mart_suites(settings, BUILD_SUFFIX))
            if failures:
                print(
                    "a blocking quality rule failed, the published schemas are unchanged:\n  "
                    + "\n  ".join(failures),
                    file=sys.stderr,
                )
                return 1
        print(f"published: {', '.join(publish_schemas(connection))}")
        return 0
    finally:
        connection.close()


if __name__ == "__main__":
    raise SystemExit(main())
