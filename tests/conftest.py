"""Session fixtures: one generated dataset, one real end-to-end build into a temporary warehouse.

Every test that needs a built warehouse shares the session's build (a full Dagster run of the
real job: extraction, dbt build with its tests, publish), so the suite stays fast; each test that
writes gets its own DuckDB file.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project.paths import DBT_PROJECT_DIR
from dagster_project.resources import WarehouseResource

# A small company that still exercises every behaviour (churn, reactivation, PQLs, ...).
SAMPLE_SIZE = 60
SAMPLE_SEED = 42


# Fixtures that build or run real pipelines: a test using any of them, even through another
# fixture, is end to end and gets the `e2e` marker (`make test-fast` leaves those out).
E2E_FIXTURES = frozenset({"built", "warehouse", "session_build_copy", "first_dbt_build"})


def pytest_sessionstart(session: pytest.Session) -> None:
    """Parse the dbt project once, before collection: test modules import the dbt assets."""
    from dagster_project.transformation.project import prepare_manifest

    # dbt parse renders the profile, which names the warehouse through this variable; the
    # build fixture hands each run its own file through the warehouse resource. The path is the
    # same every session (dbt never opens it to parse), so dbt's partial parse state stays valid
    # from one session to the next: a new path each time changed the profile and forced a full
    # parse (16 s instead of 7 s). Tests that start pipelines in subprocesses give them their
    # own DBT_TARGET_PATH, so they never overwrite that state.
    os.environ["REVOPS_DUCKDB_PATH"] = str(DBT_PROJECT_DIR / "target" / "parse.duckdb")
    prepare_manifest()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def dbt_manifest() -> Path:
    from dagster_project.transformation.project import DBT_PROJECT

    return DBT_PROJECT.manifest_path


@pytest.fixture(scope="session")
def landing(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """Generated landing files and the generator's row count per table."""
    from generator import generate

    out = tmp_path_factory.mktemp("landing")
    return out, generate(out, size=SAMPLE_SIZE, seed=SAMPLE_SEED)


def make_warehouse(data_dir: Path, landing_dir: Path, as_of_date: str = "") -> WarehouseResource:
    return WarehouseResource(
        database=str(data_dir / "build" / "revops.duckdb"),
        landing_dir=str(landing_dir),
        published_database=str(data_dir / "revops.duckdb"),
        as_of_date=as_of_date,
    )


def run_full_build(warehouse: WarehouseResource) -> dg.ExecuteInProcessResult:
    """`full_build` over every landing day present, as `make run` does."""
    from dagster_project.run_pipeline import execute, landing_day_range

    return execute(warehouse, *landing_day_range(Path(warehouse.landing_dir)))


@pytest.fixture(scope="session")
def built(
    dbt_manifest: Path,
    landing: tuple[Path, dict[str, int]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[dg.ExecuteInProcessResult, WarehouseResource]]:
    warehouse = make_warehouse(tmp_path_factory.mktemp("data"), landing[0])
    yield run_full_build(warehouse), warehouse


@pytest.fixture(scope="session")
def warehouse(built: tuple[dg.ExecuteInProcessResult, WarehouseResource]) -> Path:
    """The published warehouse of the session's end-to-end build (open it read-only)."""
    result, resource = built
    failures = [event.message for event in result.all_events if event.is_step_failure]
    assert result.success, failures
    return Path(resource.published_database)


@pytest.fixture(scope="session")
def first_dbt_build(
    dbt_manifest: Path,
    landing: tuple[Path, dict[str, int]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    """The incremental dbt stories' common first build (tests/dbt_runs.py): copy it, never
    write it."""
    from tests.dbt_runs import first_build

    work = tmp_path_factory.mktemp("first_dbt_build")
    database = work / "first.duckdb"
    first_build(database, landing[0], work)
    return database


@pytest.fixture
def session_build_copy(
    built: tuple[dg.ExecuteInProcessResult, WarehouseResource], tmp_path: Path
) -> Path:
    """A data dir holding copies of the session build's build and published warehouses
    (`<dir>/build/revops.duckdb`, `<dir>/revops.duckdb`): a run on it starts where the session
    build ended and only does what its own landing changes ask for, not a whole first load."""
    result, resource = built
    assert result.success
    data_dir = tmp_path / "data"
    (data_dir / "build").mkdir(parents=True)
    shutil.copyfile(resource.database, data_dir / "build" / "revops.duckdb")
    shutil.copyfile(resource.published_database, data_dir / "revops.duckdb")
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
