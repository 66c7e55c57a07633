"""The dbt project on Spark: the session company's raw handed over as Parquet, every model built
and tested in a local Spark session, and the public marts equal to DuckDB's.

One Spark build for the module (`python -m dagster_project.spark.build`, in its own process: the
JVM stays out of the test worker), as of the session build's as-of date; DuckDB's side is the
session build itself. Spark writes its tables as Parquet, which DuckDB reads here, so the
comparison needs no second Spark session. Marker `spark`: `make test-spark` (CI runs it after
`make test`, which leaves it out: one build costs minutes of CPU).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.postgres_marts import duckdb_marts, project_models, published_as_of
from tests.spark_builds import (
    SparkBuild,
    compare_with_spark,
    parquet_table,
    run_spark_build,
    skip_without_java,
)

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark_build(
    build_warehouse: Path, warehouse: Path, tmp_path_factory: pytest.TempPathFactory
) -> SparkBuild:
    skip_without_java()
    as_of = published_as_of(warehouse)
    work = tmp_path_factory.mktemp("spark_build")
    return run_spark_build(build_warehouse, work, {"REVOPS_AS_OF_DATE": as_of})


def test_raw_handover_holds_every_row_and_the_latest_versions(
    spark_build: SparkBuild, build_warehouse: Path
) -> None:
    with duckdb.connect(str(build_warehouse), read_only=True) as source:
        relations = [
            row[0]
            for row in source.execute(
                "select table_name from information_schema.tables where table_schema = 'raw'"
            ).fetchall()
        ]
        expected = {
            name: source.execute(f'select count(*) from raw."{name}"').fetchone()[0]
            for name in relations
        }
    raw_dir = spark_build.spark_dir / "raw"
    with duckdb.connect() as reader:
        count = "select count(*) from {}"
        handed_over = {
            name: reader.execute(count.format(parquet_table(raw_dir / name))).fetchone()[0]
            for name in expected
        }
    assert handed_over == expected
    assert expected["crm_deals"] <= expected["crm_deals__versions"]
    days = [p.name for p in (raw_dir / "billing_subscription_events").iterdir()]
    assert days and all(day.startswith("_landing_date=") for day in days)


def test_every_model_builds_and_passes_its_tests_on_spark(
    spark_build: SparkBuild, dbt_manifest: Path
) -> None:
    assert spark_build.run_results, spark_build.output
    models = project_models(dbt_manifest)
    statuses = spark_build.statuses()
    failed = spark_build.failed()
    assert spark_build.returncode == 0 and not failed, failed
    assert {key for key in statuses if key.startswith("model.")} == models
    tests = [key for key in statuses if key.startswith("test.")]
    print(
        f"\ndbt build on Spark: {len(models)} models, {len(tests)} data tests, "
        f"{len(statuses)} nodes, {spark_build.wall_s:.1f} s wall, "
        f"{spark_build.cpu_s:.1f} CPU-s (Spark and dbt)"
    )


def test_public_marts_are_the_same_on_both_engines(
    spark_build: SparkBuild, build_warehouse: Path
) -> None:
    marts_dir = spark_build.spark_dir / "warehouse" / "marts.db"
    with duckdb.connect(str(build_warehouse), read_only=True) as duck:
        duck.execute("set TimeZone = 'UTC'")
        marts = duckdb_marts(duck)
        assert len(marts) >= 15
        tables = [(f"marts.{mart}", columns, marts_dir / mart) for mart, columns in marts.items()]
        comparison = compare_with_spark(duck, tables)
    assert not comparison.mismatched, comparison.mismatched
    print("\n" + comparison.report())
