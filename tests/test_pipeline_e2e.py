"""The whole path on generated data: landing files -> raw -> staging -> marts -> published file.

Runs against the session's real end-to-end build (tests/conftest.py), opened read-only.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from dagster_project.source_catalog import SOURCE_TABLES

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def con(warehouse: Path) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(str(warehouse), read_only=True)
    yield connection
    connection.close()


def _count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    return con.execute(f"select count(*) from {relation}").fetchone()[0]


def test_every_generated_row_is_loaded_and_none_quarantined(con, landing) -> None:
    _, generated = landing
    for table in SOURCE_TABLES:
        assert _count(con, f"raw.{table.raw_table}") == generated[table.raw_table], table.raw_table
    assert _count(con, "quarantine.rejected_rows") == 0
    audit = con.execute(
        "select count(*), sum(rows_read), sum(rows_loaded) from quarantine.load_audit"
    ).fetchone()
    assert audit == (len(SOURCE_TABLES), sum(generated.values()), sum(generated.values()))


def test_raw_rows_carry_their_source_file_and_line(con) -> None:
    file, line = con.execute(
        "select _source_file, _source_line from raw.crm_deals order by _source_file, _source_line "
        "limit 1"
    ).fetchone()
    assert file.startswith("crm/deals/") and line == 1


def test_staging_has_a_model_for_every_source_table(con) -> None:
    staged = {
        row[0]
        for row in con.execute(
            "select table_name from information_schema.tables where table_schema = 'staging'"
        ).fetchall()
    }
    for table in SOURCE_TABLES:
        prefix = f"stg_{table.system}__"
        assert any(name.startswith(prefix) for name in staged), table.raw_table


@pytest.mark.parametrize(
    ("child", "column", "parent", "key"),
    [
        ("stg_crm__contacts", "company_id", "stg_crm__companies", "company_id"),
        ("stg_crm__deals", "company_id", "stg_crm__companies", "company_id"),
        ("stg_crm__deals", "owner_id", "stg_crm__owners", "owner_id"),
        ("stg_billing__customers", "company_id", "stg_crm__companies", "company_id"),
        ("stg_billing__subscriptions", "customer_id", "stg_billing__customers", "customer_id"),
        ("stg_billing__invoices", "customer_id", "stg_billing__customers", "customer_id"),
        ("stg_product__workspaces", "company_id", "stg_crm__companies", "company_id"),
    ],
)
def test_referential_integrity_across_systems(con, child, column, parent, key) -> None:
    orphans = con.execute(
        f"select count(*) from staging.{child} as c where c.{column} is not null "
        f"and not exists (select 1 from staging.{parent} as p where p.{key} = c.{column})"
    ).fetchone()[0]
    assert orphans == 0
    assert _count(con, f"staging.{child}") > 0


def test_published_warehouse_opens_read_only_from_another_process(warehouse: Path) -> None:
    script = (
        "import duckdb, sys; "
        "con = duckdb.connect(sys.argv[1], read_only=True); "
        "print(con.execute('select count(*) from raw.crm_companies').fetchone()[0])"
    )
    output = subprocess.run(
        [sys.executable, "-c", script, str(warehouse)],
        check=True,
        capture_output=True,
        text=True,
    )
    assert int(output.stdout) > 0


def test_published_version_records_run_and_as_of_date(con, built) -> None:
    result, _ = built
    assert con.execute(
        "select run_id, as_of_date::varchar from meta.warehouse_version"
    ).fetchone() == (
        result.run_id,
        "2026-09-30",
    )
