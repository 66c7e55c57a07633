"""Session fixtures: one generated dataset, one real end-to-end build into a temporary warehouse.

Every test that needs a built warehouse shares the session's build (a full Dagster run of the
real job: extraction, dbt build with its tests, publish), so the suite stays fast; each test that
writes gets its own DuckDB file.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project.paths import DBT_PROJECT_DIR
from dagster_project.resources import WarehouseResource
from tests.shared_fixtures import build_once

# A small company that still exercises every behaviour (churn, reactivation, PQLs, ...).
SAMPLE_SIZE = 60
SAMPLE_SEED = 42


# Fixtures that build or run real pipelines: a test using any of them, even through another
# fixture, is end to end and gets the `e2e` marker (`make test-fast` leaves those out).
E2E_FIXTURES = frozenset(
    {"built", "warehouse", "build_warehouse", "session_build_copy", "first_dbt_build"}
)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Parse the dbt project once, before collection: test modules import the dbt assets."""
    from dagster_project.transformation.project import prepare_manifest

    # dbt parse renders the profile, which names the warehouse through this variable; the
    # build fixture hands each run its own file through the warehouse resource. The path is the
    # same every session (dbt never opens it to parse), so dbt's partial parse state stays valid
    # from one session to the next: a new path each time changed the profile and forced a full
    # parse (16 s instead of 7 s). Named revops.duckdb: dbt-duckdb names the catalog after the
    # file, and the manifest keeps it, so `mf` run in dbt/ after the tests still finds `revops`.
    os.environ["REVOPS_DUCKDB_PATH"] = str(DBT_PROJECT_DIR / "target" / "parse" / "revops.duckdb")
    # Under xdist the controller parses before it starts the workers; two workers parsing into
    # one target folder at once would corrupt the manifest they read.
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        prepare_manifest()


# Run first, heaviest first (by CPU time): with one file per worker at a time (`--dist loadfile`,
# in this order: the Makefile turns off xdist's reordering), a long file started last would leave
# the other core idle while it finishes. The first two build different things (the session's
# pipeline build, the incremental stories' first dbt build), so neither worker waits on the other.
HEAVY_FILES = (
    "test_incremental_pipeline.py",
    "test_incremental_dbt.py",
    "test_health_incremental.py",
    "test_write_audit_publish.py",
    "test_optional_sources.py",
    "test_postgres_target.py",
    "test_salesforce_same_marts.py",
    "test_crm_mapping_renamed.py",
    "test_billing_history.py",
    "test_generator_properties.py",
    "test_connectors_pipeline.py",
    "test_dbt_unit_tests.py",
    "test_dbt_configuration_tests.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.e2e)

    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return HEAVY_FILES.index(name) if name in HEAVY_FILES else len(HEAVY_FILES)

    items.sort(key=rank)  # stable: the order within a file and among the rest is kept


@pytest.fixture(scope="session", autouse=True)
def dbt_run_target(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The pipeline runs of this session (one per xdist worker) write their dbt artifacts in a
    folder of their own, not in dbt/target/run, which two workers would share."""
    os.environ["DBT_TARGET_PATH"] = str(tmp_path_factory.mktemp("dbt_target"))


@pytest.fixture(scope="session")
def dbt_manifest() -> Path:
    from dagster_project.transformation.project import DBT_PROJECT

    return DBT_PROJECT.manifest_path


@pytest.fixture(scope="session")
def landing(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """Generated landing files and the generator's row count per table."""

    def generate_company(folder: Path) -> dict[str, int]:
        from generator import generate

        return generate(folder, size=SAMPLE_SIZE, seed=SAMPLE_SEED)

    return build_once(tmp_path_factory, "landing", generate_company)


def make_warehouse(data_dir: Path, landing_dir: Path, as_of_date: str = "") -> WarehouseResource:
    return WarehouseResource(
        database=str(data_dir / "build" / "revops.duckdb"),
        landing_dir=str(landing_dir),
        published_database=str(data_dir / "revops.duckdb"),
        as_of_date=as_of_date,
    )


def run_full_build(
    warehouse: WarehouseResource, instance: dg.DagsterInstance | None = None
) -> dg.ExecuteInProcessResult:
    """`full_build` over every landing day present, as `make run` does."""
    from dagster_project.run_pipeline import execute, landing_day_range

    return execute(warehouse, *landing_day_range(Path(warehouse.landing_dir)), instance)


@dataclass(frozen=True)
class SessionBuild:
    """The session's end-to-end build: its warehouses and how its run went."""

    warehouse: WarehouseResource
    success: bool
    failures: list[str]
    run_id: str
    # The Dagster instance the run recorded into, as a command-line run does (cli/instance.py).
    dagster_home: Path


@pytest.fixture(scope="session")
def built(
    dbt_manifest: Path,
    landing: tuple[Path, dict[str, int]],
    tmp_path_factory: pytest.TempPathFactory,
) -> SessionBuild:
    from dagster_project.cli.instance import run_instance

    def build(folder: Path) -> dict[str, object]:
        instance = run_instance(folder / "dagster_home")
        result = run_full_build(make_warehouse(folder, landing[0]), instance)
        return {
            "success": result.success,
            "failures": [event.message for event in result.all_events if event.is_step_failure],
            "run_id": result.run_id,
        }

    folder, outcome = build_once(tmp_path_factory, "session_build", build)
    return SessionBuild(
        make_warehouse(folder, landing[0]), **outcome, dagster_home=folder / "dagster_home"
    )


@pytest.fixture(scope="session")
def warehouse(built: SessionBuild) -> Path:
    """The published warehouse of the session's end-to-end build (open it read-only)."""
    assert built.success, built.failures
    return Path(built.warehouse.published_database)


@pytest.fixture(scope="session")
def build_warehouse(built: SessionBuild) -> Path:
    """The session build's build file: every layer (raw, staging, intermediate, config,
    quarantine) beside the marts, which the served file leaves out. Open it read-only."""
    assert built.success, built.failures
    return Path(built.warehouse.database)


@pytest.fixture(scope="session")
def first_dbt_build(
    dbt_manifest: Path,
    landing: tuple[Path, dict[str, int]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    """The incremental dbt stories' common first build (tests/dbt_runs.py): copy it, never
    write it."""
    from tests.dbt_runs import first_build, warehouse_file

    folder, _ = build_once(
        tmp_path_factory,
        "first_dbt_build",
        lambda work: first_build(warehouse_file(work, "first"), landing[0]),
    )
    return warehouse_file(folder, "first")


@pytest.fixture
def session_build_copy(built: SessionBuild, tmp_path: Path) -> Path:
    """A data dir holding copies of the session build's build and published warehouses
    (`<dir>/build/revops.duckdb`, `<dir>/revops.duckdb`): a run on it starts where the session
    build ended and only does what its own landing changes ask for, not a whole first load."""
    assert built.success, built.failures
    data_dir = tmp_path / "data"
    (data_dir / "build").mkdir(parents=True)
    shutil.copyfile(built.warehouse.database, data_dir / "build" / "revops.duckdb")
    shutil.copyfile(built.warehouse.published_database, data_dir / "revops.duckdb")
    return data_dir


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A warehouse for raw loads, holding the parents deals refer to: company 7, owner 9, USD
    and GBP rates (test files with their own `con` override it)."""
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    connection.execute("create schema raw")
    connection.execute("create table raw.crm_companies as select '7' as id")
    connection.execute("create table raw.crm_owners as select '9' as id")
    connection.execute(
        "create table raw.billing_fx_rates as "
        "select * from (values ('2025-01-02', 'USD', '0.91'), ('2025-01-02', 'GBP', '1.17')) "
        "as t(date, currency, rate_to_eur)"
    )
    yield connection
    connection.close()
