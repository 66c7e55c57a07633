"""Malformed source rows go to quarantine with file, line, field and reason; none is lost."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from dagster_project.extraction.loader import load_source_table
from dagster_project.source_catalog import SOURCE_TABLES

DEALS = next(t for t in SOURCE_TABLES if t.raw_table == "crm_deals")


def _deal(deal_id: str | None, created: str = "2025-01-02T03:04:05.000Z", **props: str) -> str:
    properties = {
        "amount": "1200.50",
        "deal_currency_code": "USD",
        "dealstage": "demo",
        "hubspot_owner_id": "9",
        **props,
    }
    return json.dumps(
        {
            "id": deal_id,
            "properties": properties,
            "createdAt": created,
            "updatedAt": created,
            "archived": False,
            "associations": {"companies": {"results": [{"id": props.get("company", "7")}]}},
            "propertiesWithHistory": {},
        }
    )


# Line by line: each malformed kind once, between good rows, and the reason expected for it.
LINES = [
    (_deal("1"), None),
    (_deal(None), ("id", "missing value")),
    (_deal("3", created="yesterday"), ("createdAt", "unparseable timestamp: yesterday")),
    (_deal("4", amount="12k"), ("amount", "unparseable number: 12k")),
    (_deal("5", amount="-10"), ("amount", "negative amount: -10")),
    (_deal("6", dealstage="won"), ("dealstage", "unmapped deal stage: won")),
    (_deal("7", company="99"), ("associations.companies", "parent crm_companies 99 missing")),
    (_deal("8", deal_currency_code="JPY"), ("deal_currency_code", "unknown currency: JPY")),
    (_deal("9", closedate="31/12/2025"), ("closedate", "unparseable timestamp: 31/12/2025")),
    (_deal("10"), ("id", "duplicate key: a later record wins")),
    (_deal("10", amount="99"), None),
    (_deal("11", deal_currency_code="gbp"), None),
]


@pytest.fixture
def loaded(tmp_path: Path) -> tuple[duckdb.DuckDBPyConnection, object]:
    landing = tmp_path / "landing"
    (landing / "crm" / "deals").mkdir(parents=True)
    text = "\n".join(line for line, _ in LINES) + "\n"
    (landing / "crm" / "deals" / "part-0000.jsonl").write_text(text, encoding="utf-8")
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("create schema raw")
    con.execute("create table raw.crm_companies as select '7' as id")
    con.execute("create table raw.crm_owners as select '9' as id")
    con.execute(
        "create table raw.billing_fx_rates as "
        "select * from (values ('2025-01-02', 'USD', '0.91'), ('2025-01-02', 'GBP', '1.17')) "
        "as t(date, currency, rate_to_eur)"
    )
    result = load_source_table(con, DEALS, landing, datetime(2026, 9, 30))
    yield con, result
    con.close()


def test_each_malformed_row_is_quarantined_with_its_field_and_reason(loaded) -> None:
    con, _ = loaded
    rejected = con.execute(
        "select source_line, field, reason from quarantine.rejected_rows order by source_line"
    ).fetchall()
    expected = [
        (line_number, *reason)
        for line_number, (_, reason) in enumerate(LINES, start=1)
        if reason is not None
    ]
    assert rejected == expected


def test_good_rows_are_loaded_and_the_latest_duplicate_wins(loaded) -> None:
    con, _ = loaded
    rows = con.execute(
        "select id, properties->>'amount' from raw.crm_deals order by id::int"
    ).fetchall()
    assert rows == [("1", "1200.50"), ("10", "99"), ("11", "1200.50")]


def test_rows_read_equal_rows_loaded_plus_rows_quarantined(loaded) -> None:
    con, result = loaded
    accounting = result.accounting
    assert (accounting.rows_read, accounting.rows_loaded, accounting.rows_quarantined) == (12, 3, 9)
    audit = con.execute(
        "select rows_read, rows_loaded, rows_quarantined from meta.loaded_files "
        "where source_table = 'crm_deals'"
    ).fetchone()
    assert audit == (12, 3, 9)


def test_quarantined_rows_keep_the_whole_record_and_its_file(loaded) -> None:
    con, _ = loaded
    source_file, record = con.execute(
        "select source_file, record from quarantine.rejected_rows where field = 'amount' "
        "and reason like 'negative%'"
    ).fetchone()
    assert source_file == "crm/deals/part-0000.jsonl"
    assert json.loads(record)["id"] == "5"


def test_reloading_replaces_the_tables_quarantine_rows(loaded, tmp_path) -> None:
    con, _ = loaded
    load_source_table(con, DEALS, tmp_path / "landing", datetime(2026, 10, 1))
    assert con.execute("select count(*) from quarantine.rejected_rows").fetchone() == (9,)


@pytest.mark.parametrize(
    ("value", "present"),
    [
        ("", False),
        ("   ", False),
        ("\u00a0", False),  # no-break space: trim() removes it, so it is blank
        ("\u3000x\u3000", True),
        ("a", True),
        (" a", True),
        ("\tx", True),  # trim() keeps tabs: not blank
        (None, False),
    ],
)
def test_a_value_is_present_when_more_than_spaces_remain(value, present) -> None:
    from dagster_project.extraction.quarantine import _present

    sql = f"select {_present('v')} from (select ?::varchar as v)"
    assert duckdb.execute(sql, [value]).fetchone() == (present,)


def test_parquet_rows_are_checked_on_their_own_types(tmp_path: Path) -> None:
    """Parquet keeps its types: a null timestamp and a blank key are missing, an orphan rejected."""
    tracks = next(t for t in SOURCE_TABLES if t.raw_table == "product_tracks")
    folder = tmp_path / "landing" / tracks.landing_subdir
    folder.mkdir(parents=True)
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("create schema raw")
    con.execute("create table raw.product_users as select 'u1' as user_id")
    con.execute("create table raw.product_workspaces as select 'w1' as workspace_id")
    rows = (
        "('m1', 'Logged In', 'u1', 'w1', null, timestamp '2026-01-05 10:00:00'), "
        "('m2', 'Logged In', 'u1', 'w1', null, null), "
        "('  ', 'Logged In', 'u1', 'w1', null, timestamp '2026-01-05 11:00:00'), "
        "('m4', 'Logged In', 'u9', 'w1', null, timestamp '2026-01-05 12:00:00')"
    )
    con.execute(
        f"copy (select *, timestamp as received_at from (values {rows}) "
        "as t(message_id, event, user_id, workspace_id, feature_name, timestamp)) "
        f"to '{folder / 'part-0000.parquet'}' (format parquet)"
    )

    result = load_source_table(con, tracks, tmp_path / "landing", datetime(2026, 9, 30))

    assert con.execute(
        "select source_line, field, reason from quarantine.rejected_rows order by 1"
    ).fetchall() == [
        (2, "timestamp", "missing value"),
        (3, "message_id", "missing value"),
        (4, "user_id", "parent product_users u9 missing"),
    ]
    assert con.execute("select message_id from raw.product_tracks").fetchall() == [("m1",)]
    assert result.accounting.rows_read == 4
    con.close()


def test_references_into_a_source_without_records_are_not_checked(tmp_path: Path) -> None:
    """No owners delivered (an optional source): deals keep their owner ids; a company id that
    the delivered companies lack is still an orphan."""
    landing = tmp_path / "landing"
    (landing / "crm" / "deals").mkdir(parents=True)
    lines = [_deal("1"), _deal("2", company="99")]
    (landing / "crm" / "deals" / "part-0000.jsonl").write_text("\n".join(lines) + "\n")
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("create schema raw")
    con.execute("create table raw.crm_companies as select '7' as id")
    con.execute("create table raw.crm_owners as select '9' as id where false")
    con.execute(
        "create table raw.billing_fx_rates as select '2025-01-02' as date, 'USD' as currency"
    )

    load_source_table(con, DEALS, landing, datetime(2026, 9, 30))

    assert con.execute("select field, reason from quarantine.rejected_rows").fetchall() == [
        ("associations.companies", "parent crm_companies 99 missing")
    ]
    assert con.execute(
        "select id, properties->>'hubspot_owner_id' from raw.crm_deals"
    ).fetchall() == [("1", "9")]
    con.close()
