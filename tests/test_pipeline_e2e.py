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
def con(build_warehouse: Path) -> duckdb.DuckDBPyConnection:
    # The build file: raw and staging are not served.
    connection = duckdb.connect(str(build_warehouse), read_only=True)
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
        "select count(*), sum(rows_read), sum(rows_loaded) from meta.loaded_files"
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
        "print(con.execute('select count(*) from marts.fct_opportunities').fetchone()[0])"
    )
    output = subprocess.run(
        [sys.executable, "-c", script, str(warehouse)],
        check=True,
        capture_output=True,
        text=True,
    )
    assert int(output.stdout) > 0


def test_published_version_records_run_and_as_of_date(con, built) -> None:
    assert con.execute(
        "select run_id, as_of_date::varchar from meta.warehouse_version"
    ).fetchone() == (built.run_id, "2026-09-30")


def _landing_revenue(landing_dir: Path, as_of_date: str) -> tuple[float, float, int]:
    """Invoiced and credited EUR recomputed straight from the Stripe and FX export files.

    Independent of raw, staging and the mart: invoices paid or open up to the as-of date count
    total - tax; a credit note counts the invoice's net-of-tax share of its amount; both at the
    last EUR rate known on the invoice's date.
    """
    billing = landing_dir / "billing"
    with duckdb.connect() as con:
        return con.execute(
            f"""
            with invoices as (
                select id, currency, to_timestamp(created::bigint)::date as day,
                    total::bigint / 100 as total, coalesce(tax::bigint, 0) / 100 as tax, status
                from read_json('{billing}/invoices/*.jsonl', format = 'newline_delimited')
            ),
            credit_notes as (
                select invoice, amount::bigint / 100 as amount, status,
                    to_timestamp(created::bigint)::date as day
                from read_json('{billing}/credit_notes/*.jsonl', format = 'newline_delimited')
            ),
            rates as (
                select "date"::date as day, currency, rate_to_eur::double as rate
                from read_csv('{billing}/fx_rates/*.csv', all_varchar = true)
            ),
            priced as (
                select invoices.*, case when invoices.currency = 'EUR' then 1 else (
                    select rate from rates
                    where rates.currency = invoices.currency and rates.day <= invoices.day
                    order by rates.day desc limit 1) end as rate
                from invoices
                where status in ('paid', 'open') and day <= '{as_of_date}'
            )
            select
                (select sum((total - tax) * rate) from priced),
                (select coalesce(sum(c.amount * (p.total - p.tax) / p.total * p.rate), 0)
                    from credit_notes as c join priced as p on p.id = c.invoice
                    where c.status <> 'void' and c.day <= '{as_of_date}'),
                (select count(*) from priced)
            """
        ).fetchone()


def test_revenue_mart_matches_totals_recomputed_from_the_export_files(con, landing) -> None:
    invoiced, credited, invoices = _landing_revenue(landing[0], "2026-09-30")
    mart_invoiced, mart_credited, mart_invoices = con.execute(
        "select sum(invoiced_revenue_eur), sum(credited_revenue_eur), sum(invoice_count) "
        "from marts.fct_account_revenue_monthly"
    ).fetchone()
    assert mart_invoices == invoices > 0
    # Each document is rounded to the cent once in the warehouse.
    assert float(mart_invoiced) == pytest.approx(invoiced, abs=0.005 * invoices)
    assert float(mart_credited) == pytest.approx(credited, abs=0.005 * invoices)
