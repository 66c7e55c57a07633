"""A dbt build on a local Spark session, started as the tests start it, and its tables compared
with DuckDB's.

`python -m dagster_project.spark.build` runs in its own process, so the JVM stays out of the test
worker. Spark writes its tables as Parquet, which DuckDB reads here: a comparison needs no second
Spark session.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from tests.postgres_marts import EngineBuild, checksum, children_cost, comparable, differences


@dataclass(frozen=True)
class SparkBuild(EngineBuild):
    spark_dir: Path
    returncode: int
    output: str


def skip_without_java() -> None:
    """Spark needs a Java runtime; CI installs one, so there its absence is a failure."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        if os.environ.get("CI"):
            pytest.fail("no Java runtime: .ci/run installs openjdk-17-jre-headless")
        pytest.skip("Spark needs a Java runtime (java on PATH or JAVA_HOME)")


def run_spark_build(
    build_db: Path,
    work: Path,
    env: dict[str, str],
    select: Sequence[str] = (),
) -> SparkBuild:
    """Hand `build_db`'s raw over to Parquet under `work/spark` and build the project (or the
    `select`ion) there; `env` adds the run's settings (as-of date, CRM) to the environment."""
    spark_dir, target = work / "spark", work / "spark_dbt_target"
    command = [sys.executable, "-m", "dagster_project.spark.build", "--build-db", str(build_db)]
    command += ["--target-path", str(target)]
    if select:
        command += ["--select", *select]
    with children_cost() as cost:
        result = subprocess.run(
            command,
            env={**os.environ, "REVOPS_SPARK_DIR": str(spark_dir), **env},
            capture_output=True,
            text=True,
            check=False,
        )
    results_file = target / "run_results.json"
    return SparkBuild(
        spark_dir=spark_dir,
        returncode=result.returncode,
        output=(result.stdout + result.stderr)[-6000:],
        run_results=json.loads(results_file.read_text()) if results_file.exists() else {},
        wall_s=cost.wall_s,
        cpu_s=cost.cpu_s,
    )


def parquet_table(folder: Path) -> str:
    """A Spark table's folder as DuckDB reads it (landing-day folders as a column)."""
    return f"read_parquet('{folder}/**/*.parquet', hive_partitioning = true)"


@dataclass(frozen=True)
class Comparison:
    """Where DuckDB's and Spark's tables differ, by relation, and DuckDB's row count and
    checksum of each relation compared."""

    mismatched: dict[str, list[str]]
    rows: dict[str, int]
    checksums: dict[str, str]

    def report(self) -> str:
        return "\n".join(
            f"{relation}: {count} rows, {self.checksums[relation]}"
            for relation, count in self.rows.items()
        )


def compare_with_spark(
    duck: duckdb.DuckDBPyConnection, tables: Iterable[tuple[str, Sequence[str], Path]]
) -> Comparison:
    """Each (DuckDB relation, its columns, the Spark table's folder), compared row by row."""
    comparison = Comparison({}, {}, {})
    for relation, columns, folder in tables:
        select = ", ".join(f'"{column}"' for column in columns)
        duck_rows = comparable(duck.execute(f"select {select} from {relation}").fetchall())
        spark_rows = comparable(
            duck.execute(f"select {select} from {parquet_table(folder)}").fetchall()
        )
        found = differences(columns, duck_rows, spark_rows)
        if found:
            comparison.mismatched[relation] = found
        comparison.rows[relation] = len(duck_rows)
        comparison.checksums[relation] = checksum(duck_rows)
    return comparison
