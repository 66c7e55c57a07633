"""Session fixtures: one generated dataset, one real end-to-end build into a temporary warehouse.

Every test that needs a built warehouse shares the session's build (a full Dagster run of the
real job: extraction, dbt build with its tests, publish), so the suite stays fast; each test that
writes gets its own DuckDB file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project.resources import WarehouseResource

# A small company that still exercises every behaviour (churn, reactivation, PQLs, ...).
SAMPLE_SIZE = 60
SAMPLE_SEED = 42


def pytest_sessionstart(session: pytest.Session) -> None:
    """Parse the dbt project once, before collection: test modules import the dbt assets."""
    from dagster_project.transformation.project import prepare_manifest

    # dbt parse renders the profile, which names the warehouse through this variable; the
    # build fixture hands each run its own file through the warehouse resource.
    os.environ.setdefault("REVOPS_DUCKDB_PATH", str(Path(tempfile.mkdtemp()) / "parse.duckdb"))
    prepare_manifest()


@pytest.fixture(scope="session")
def dbt_manifest() -> Path:
    from dagster_project.transformation.project import DBT_PROJECT

    return DBT_PROJECT.manifest_path


@pytest.fixture(scope="session")
def landing(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """Generated landing files and the generator's row count per table."""
    from dagster_project.generator import generate

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
