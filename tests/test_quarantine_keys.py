"""Keys staging relies on and times that must have happened, checked at extraction."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from dagster_project.extraction.loader import load_source_table
from dagster_project.source_catalog import SOURCE_TABLES

TABLES = {t.raw_table: t for t in SOURCE_TABLES}
AS_OF = date(2026, 9, 30)


def _invoice(invoice_id: str, line_ids: list[str], created: int = 1788000000) -> dict:
    return {
        "id": invoice_id,
        "customer": "cus_1",
        "subscription": "sub_1",
        "status": "paid",
        "currency": "eur",
        "created": str(created),
        "total": "100",
        "lines": {"data": [{"id": line, "amount": 50} for line in line_ids]},
    }


def _write(folder: Path, records: list[dict]) -> None:
    folder.mkdir(parents=True)
    text = "".join(json.dumps(record) + "\n" for record in records)
    (folder / "part-0000.jsonl").write_text(text, encoding="utf-8")


def _warehouse(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("create schema raw")
    con.execute("create table raw.billing_fx_rates as select 'USD' as currency")
    return con


def _rejected(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    return con.execute(
        "select record_id, field, reason from quarantine.rejected_rows "
        f"where source_table = '{table}' order by source_file, source_line"
    ).fetchall()


def test_invoice_line_ids_repeated_across_invoices_are_quarantined(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    invoices = landing / "billing" / "invoices"
    day_1 = "billing/invoices/date=2026-09-01/part-0000.jsonl"
    day_2 = "billing/invoices/date=2026-09-02/part-0000.jsonl"
    _write(
        invoices / "date=2026-09-01",
        [_invoice("in_1", ["il_1", "il_2"]), _invoice("in_2", ["il_2"])],
    )
    # A later version of in_1 repeats its own lines: versions are not duplicates.
    _write(
        invoices / "date=2026-09-02",
        [_invoice("in_1", ["il_1", "il_2"]), _invoice("in_3", ["il_3", "il_4", "il_3"])],
    )
    con = _warehouse(tmp_path)
    table = TABLES["billing_invoices"]

    load_source_table(con, table, landing, datetime(2026, 9, 30), None, AS_OF)
    assert _rejected(con, "billing_invoices") == [
        ("in_2", "lines.data.id", f"duplicate invoice line il_2: also in invoice in_1 ({day_1}:1)"),
        ("in_3", "lines.data.id", "duplicate invoice line il_3: twice in the invoice"),
    ]

    # A later delivery is compared with the invoices already served: in_1's latest version.
    _write(invoices / "date=2026-09-03", [_invoice("in_4", ["il_5", "il_1"])])
    result = load_source_table(con, table, landing, datetime(2026, 10, 1), None, AS_OF)
    assert result.files == ("billing/invoices/date=2026-09-03/part-0000.jsonl",)
    assert _rejected(con, "billing_invoices")[-1] == (
        "in_4",
        "lines.data.id",
        f"duplicate invoice line il_1: also in invoice in_1 ({day_2}:1)",
    )
    assert con.execute("select id from raw.billing_invoices order by id").fetchall() == [("in_1",)]
    con.close()


def test_a_time_after_the_landing_day_plus_the_margin_is_quarantined(tmp_path: Path) -> None:
    """The margin is one day (dbt_project.yml): the day after landing passes, the next not."""
    landing = tmp_path / "landing"

    def epoch(*moment: int) -> int:
        return int(datetime(*moment, tzinfo=UTC).timestamp())

    _write(
        landing / "billing" / "invoices" / "date=2026-09-01",
        [
            _invoice("in_1", ["il_1"], created=epoch(2026, 9, 2, 23, 59, 59)),
            _invoice("in_2", ["il_2"], created=epoch(2026, 9, 3)),
            _invoice("in_3", ["il_3"], created=epoch(2099, 1, 1)),
        ],
    )
    views = landing / "marketing" / "page_views" / "date=2026-09-01"
    views.mkdir(parents=True)
    (views / "part-0000.csv").write_text(
        "view_id,contact_id,url,page_category,occurred_at\n"
        "pv_1,,https://example.com/,home,2026-09-02T23:00:00Z\n"
        "pv_2,,https://example.com/,home,2099-01-01T00:00:00Z\n",
        encoding="utf-8",
    )
    con = _warehouse(tmp_path)

    load_source_table(con, TABLES["billing_invoices"], landing, datetime(2026, 9, 30), None, AS_OF)
    load_source_table(
        con, TABLES["marketing_page_views"], landing, datetime(2026, 9, 30), None, AS_OF
    )

    margin = "after the landing day 2026-09-01 + 1 day(s) (quarantine_future_margin_days)"
    assert _rejected(con, "billing_invoices") == [
        ("in_2", "created", f"future time: {epoch(2026, 9, 3)}, {margin}"),
        ("in_3", "created", f"future time: {epoch(2099, 1, 1)}, {margin}"),
    ]
    assert _rejected(con, "marketing_page_views") == [
        ("pv_2", "occurred_at", f"future time: 2099-01-01T00:00:00Z, {margin}")
    ]
    con.close()


def test_events_of_one_subscription_share_item_ids_but_one_event_lists_each_once(
    tmp_path: Path,
) -> None:
    def event(event_id: str, items: list[str]) -> dict:
        subscription = {"id": "sub_1", "items": {"data": [{"id": item} for item in items]}}
        return {
            "id": event_id,
            "type": "customer.subscription.updated",
            "created": "1788000000",
            "data": {"object": subscription},
        }

    landing = tmp_path / "landing"
    _write(
        landing / "billing" / "subscription_events" / "date=2026-09-01",
        [event("evt_1", ["si_1"]), event("evt_2", ["si_1", "si_2", "si_1"])],
    )
    con = _warehouse(tmp_path)

    table = TABLES["billing_subscription_events"]
    load_source_table(con, table, landing, datetime(2026, 9, 30), None, AS_OF)

    assert _rejected(con, "billing_subscription_events") == [
        (
            "evt_2",
            "data.object.items.data.id",
            "duplicate subscription item si_1: twice in the event",
        )
    ]
    con.close()
