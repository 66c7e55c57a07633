"""The dbt project built on Spark: raw handed over from the build warehouse as Parquet,
registered as Spark tables, then `dbt build` in a local Spark session.

    python -m dagster_project.spark.build --build-db data/warehouse/build/revops.duckdb

Spark's tables and catalog live in REVOPS_SPARK_DIR (default `data/spark`); the as-of date comes
from REVOPS_AS_OF_DATE (default: dbt's default_as_of_date). Extraction (row rules, quarantine,
the row accounting) runs first, as always, into the DuckDB build file. dbt runs in this process,
so the registration and the build share one Spark session (one JVM start, ~20 s); run by hand,
`REVOPS_TARGET=spark dbt build` finds the tables in the session's persistent catalog.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from dagster_project.metric_config import default_as_of_date
from dagster_project.paths import DBT_PROJECT_DIR, warehouse_paths
from dagster_project.spark.raw_handover import hand_over
from dagster_project.transformation.cli_args import dbt_build_args


def spark_dir() -> Path:
    """Spark's folder: its tables, catalog and the raw Parquet (`REVOPS_SPARK_DIR`)."""
    override = os.environ.get("REVOPS_SPARK_DIR")
    return Path(override).resolve() if override else warehouse_paths().data_dir / "spark"


def spark_env(directory: Path, as_of_date: str) -> dict[str, str]:
    """What the dbt profile's `spark` target reads."""
    return {
        "REVOPS_TARGET": "spark",
        "REVOPS_SPARK_DIR": str(directory),
        "REVOPS_AS_OF_DATE": as_of_date,
    }


def register_args(directory: Path, handed_over: dict[str, object]) -> list[str]:
    """`dbt run-operation register_raw_tables` for the relations handed over."""
    arguments = {
        "raw_dir": str(directory / "raw"),
        "tables": sorted(handed_over["rows"]),  # type: ignore[call-overload]
        "partitioned": handed_over["partitioned"],
    }
    return ["run-operation", "register_raw_tables", "--args", json.dumps(arguments)]


def dbt_in_process(args: list[str], target_path: Path) -> bool:
    """One dbt command in this process (the Spark session stays up between commands)."""
    from dbt.cli.main import dbtRunner

    directories = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    paths = ["--target-path", str(target_path), "--log-path", str(target_path)]
    return dbtRunner().invoke([*args, *directories, *paths]).success


def build(
    build_db: Path, directory: Path, as_of_date: str, target_path: Path, select: list[str]
) -> int:
    """Hand raw over, register it, build every model and test (or the `select`ed ones); 0 when
    every node passed."""
    handed_over = hand_over(build_db, directory / "raw")
    rows = handed_over["rows"]
    print(f"raw handed over: {sum(rows.values())} rows in {len(rows)} tables")  # type: ignore[arg-type]
    os.environ.update(spark_env(directory, as_of_date))
    if not dbt_in_process(register_args(directory, handed_over), target_path):
        print("registering the raw tables failed", file=sys.stderr)
        return 1
    selection = ["--select", *select] if select else []
    if not dbt_in_process([*dbt_build_args(), *selection], target_path):
        print("dbt build on Spark failed", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build-db", type=Path, required=True, help="the DuckDB build file")
    parser.add_argument("--target-path", type=Path, default=DBT_PROJECT_DIR / "target" / "spark")
    parser.add_argument("--select", nargs="*", default=[], help="dbt node selection (default all)")
    args = parser.parse_args(argv)
    as_of = os.environ.get("REVOPS_AS_OF_DATE") or default_as_of_date()
    target_path = args.target_path.resolve()
    return build(args.build_db.resolve(), spark_dir(), as_of, target_path, args.select)


if __name__ == "__main__":
    raise SystemExit(main())
