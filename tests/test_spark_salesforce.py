"""A Salesforce company on Spark: its staging and Salesforce intermediate models, built in a
local Spark session, equal DuckDB's.

The smallest proof that a Salesforce company builds on Spark: a small org (generated, loaded into
raw with the Salesforce catalogue), its Salesforce models and their data tests built on DuckDB
and on Spark (`python -m dagster_project.spark.build --select ...` in its own process, so the
JVM stays out of the test worker), and every table compared. Past these models the project
reads the CRM through the CRM layer (intermediate/crm), views over them with the same columns
for either CRM, so the marts are the SQL the HubSpot build proves on Spark
(tests/test_spark_target.py). Marker `spark`: `make test-spark`, which CI runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from dagster_project.paths import DBT_PROJECT_DIR
from generator import generate
from tests.conftest import SAMPLE_SEED
from tests.dbt_runs import FIRST_AS_OF, FIRST_LOAD, dbt_command, load_raw, warehouse_file
from tests.postgres_marts import table_columns
from tests.spark_builds import SparkBuild, compare_with_spark, run_spark_build, skip_without_java

pytestmark = pytest.mark.spark

# Accounts of the org: enough for rows in every Salesforce object (converted leads, contact
# roles, stage history, tasks and events), few enough for a short Spark build.
ORG_SIZE = 20
SELECTION = ("path:models/staging/salesforce", "path:models/intermediate/crm/salesforce")
SALESFORCE_VARS = "{crm_source: salesforce}"


@dataclass(frozen=True)
class OrgBuilds:
    duckdb_file: Path
    spark: SparkBuild


@pytest.fixture(scope="module")
def org_builds(tmp_path_factory: pytest.TempPathFactory) -> OrgBuilds:
    skip_without_java()
    work = tmp_path_factory.mktemp("salesforce_org")
    generate(work / "landing", size=ORG_SIZE, seed=SAMPLE_SEED, crm="salesforce")
    database = warehouse_file(work, "salesforce")
    load_raw(database, work / "landing", FIRST_LOAD, crm="salesforce")
    # The Salesforce project's own target folder (tests/test_salesforce_same_marts.py parses
    # the same project into it).
    duck = dbt_command(
        database, FIRST_AS_OF, "build", "--exclude-resource-type", "unit_test",
        "--select", *SELECTION, "--vars", SALESFORCE_VARS,
        target=DBT_PROJECT_DIR / "target" / "salesforce",
    )  # fmt: skip
    assert duck.returncode == 0, duck.stdout[-4000:]
    env = {"REVOPS_AS_OF_DATE": FIRST_AS_OF, "REVOPS_CRM_SOURCE": "salesforce"}
    return OrgBuilds(database, run_spark_build(database, work, env, SELECTION))


def test_the_salesforce_models_build_and_pass_their_tests_on_spark(org_builds: OrgBuilds) -> None:
    spark = org_builds.spark
    assert spark.run_results, spark.output
    statuses, failed = spark.statuses(), spark.failed()
    assert spark.returncode == 0 and not failed, failed
    models = sorted(key.split(".")[-1] for key in statuses if key.startswith("model."))
    assert len(models) == 14 and all("salesforce" in model for model in models), models
    tests = [key for key in statuses if key.startswith("test.")]
    assert tests
    print(
        f"\nSalesforce on Spark: {len(models)} models, {len(tests)} data tests, "
        f"{spark.wall_s:.1f} s wall (handover, registration, dbt build)"
    )


def test_the_salesforce_tables_are_the_same_on_both_engines(org_builds: OrgBuilds) -> None:
    warehouse = org_builds.spark.spark_dir / "warehouse"
    with duckdb.connect(str(org_builds.duckdb_file), read_only=True) as duck:
        duck.execute("set TimeZone = 'UTC'")
        tables = duck.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where table_name like '%salesforce%' and schema_name <> 'raw' order by 1, 2"
        ).fetchall()
        assert len(tables) == 14, tables
        comparison = compare_with_spark(
            duck,
            (
                (
                    f"{schema}.{table}",
                    table_columns(duck, schema, table),
                    warehouse / f"{schema}.db" / table,
                )
                for schema, table in tables
            ),
        )
    empty = [relation for relation, count in comparison.rows.items() if not count]
    assert not empty and not comparison.mismatched, (empty, comparison.mismatched)
