"""Bad rows injected into generated landing files: quarantined with the right reason, none lost.

Copies the session's generated exports, appends one malformed record of each kind to real
files of several systems, and materializes the real extraction assets into a temporary
warehouse through Dagster (no dbt: this is about what enters raw).
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project.extraction.assets import RejectShareExceeded, build_extraction_assets
from dagster_project.extraction.partitions import day_range_tags
from dagster_project.metric_config import default_as_of_date, metric_vars
from dagster_project.resources import WarehouseResource

pytestmark = pytest.mark.e2e


def _first_json(path: Path) -> dict:
    with path.open(encoding="utf-8") as handle:
        return json.loads(handle.readline())


def _append(path: Path, *lines: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.writelines(line + "\n" for line in lines)


def _inject_bad_rows(landing: Path) -> list[tuple[str, str, str, str]]:
    """Append malformed records; return (table, record id, field, reason) expected for each."""
    deals = landing / "crm" / "deals" / "part-0000.jsonl"
    deal = _first_json(deals)
    first_deal_id = deal["id"]

    def variant(record_id: str | None, **properties: str) -> str:
        return json.dumps(
            {**deal, "id": record_id, "properties": {**deal["properties"], **properties}}
        )

    _append(
        deals,
        variant(None),
        variant(first_deal_id),
        variant("990000001", amount="-5"),
        variant("990000002", amount="lots"),
        variant("990000003", dealstage="won_maybe"),
        variant("990000004", deal_currency_code="JPY"),
        variant("990000005", closedate="next tuesday"),
    )
    invoices = landing / "billing" / "invoices" / "part-0000.jsonl"
    invoice = _first_json(invoices)
    _append(invoices, json.dumps({**invoice, "id": "in_bad_orphan", "customer": "cus_missing"}))
    views = landing / "marketing" / "page_views" / "part-0000.csv"
    _append(views, "pv_bad_time,,https://www.example.com/pricing,pricing,not-a-time")
    return [
        ("crm_deals", "", "id", "missing value"),
        ("crm_deals", first_deal_id, "id", "duplicate key: a later record wins"),
        ("crm_deals", "990000001", "amount", "negative amount: -5"),
        ("crm_deals", "990000002", "amount", "unparseable number: lots"),
        ("crm_deals", "990000003", "dealstage", "unmapped deal stage: won_maybe"),
        ("crm_deals", "990000004", "deal_currency_code", "unknown currency: JPY"),
        ("crm_deals", "990000005", "closedate", "unparseable timestamp: next tuesday"),
        (
            "billing_invoices",
            "in_bad_orphan",
            "customer",
            "parent billing_customers cus_missing missing",
        ),
        ("marketing_page_views", "pv_bad_time", "occurred_at", "unparseable timestamp: not-a-time"),
    ]


@pytest.fixture
def injected(landing, tmp_path: Path) -> tuple[Path, list[tuple[str, str, str, str]]]:
    copy = tmp_path / "landing"
    shutil.copytree(landing[0], copy)
    return copy, _inject_bad_rows(copy)


def _extract(landing_dir: Path, database: Path) -> dg.ExecuteInProcessResult:
    warehouse = WarehouseResource(
        database=str(database), landing_dir=str(landing_dir), published_database=str(database)
    )
    # The generated export is the initial one, without increments: it counts as landed on the
    # run's as-of date, dbt's default.
    as_of = date.fromisoformat(default_as_of_date())
    return dg.materialize(
        build_extraction_assets(),
        resources={"warehouse": warehouse},
        tags=day_range_tags(as_of, as_of),
        raise_on_error=False,
    )


def test_each_injected_bad_row_lands_in_quarantine_with_its_reason(
    injected, landing, tmp_path, monkeypatch
):
    landing_dir, expected = injected
    # The sample has few deals, so seven bad ones exceed the real limit (tested below).
    config = {**metric_vars(), "quarantine_max_reject_share": 1.0}
    monkeypatch.setattr("dagster_project.extraction.assets.metric_vars", lambda: config)
    result = _extract(landing_dir, tmp_path / "warehouse.duckdb")
    assert result.success

    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        rejected = con.execute(
            "select source_table, record_id, field, reason from quarantine.rejected_rows "
            "order by source_table, source_line"
        ).fetchall()
        accounting = con.execute(
            "select source_table, rows_read, rows_loaded, rows_quarantined from meta.loaded_files"
        ).fetchall()
    # The duplicate's earlier copy (line 1 of the file) is the one rejected: the later wins.
    assert sorted(rejected) == sorted(expected)
    generated = landing[1]
    injected_per_table = {"crm_deals": 7, "billing_invoices": 1, "marketing_page_views": 1}
    for table, read, loaded, quarantined in accounting:
        assert read == generated[table] + injected_per_table.get(table, 0), table
        assert read == loaded + quarantined, table


def test_too_many_rejects_fail_the_extraction_naming_file_count_and_reasons(landing, tmp_path):
    landing_dir = tmp_path / "landing"
    shutil.copytree(landing[0], landing_dir)
    views = landing_dir / "marketing" / "page_views" / "part-0000.csv"
    rows = views.read_text(encoding="utf-8").splitlines()
    # Half the page views get an unknown category: far above the configured reject limit.
    broken = [
        row.replace(",home,", ",homepage,") if index % 2 else row for index, row in enumerate(rows)
    ]
    views.write_text("\n".join(broken) + "\n", encoding="utf-8")

    result = _extract(landing_dir, tmp_path / "warehouse.duckdb")

    assert not result.success
    failure = next(
        event
        for event in result.all_events
        if event.is_step_failure and event.step_key == "raw__marketing_page_views"
    )
    # A data error fails once, without the job's retries: the next try would fail the same way.
    message = failure.step_failure_data.user_failure_data.description
    assert message.startswith(f"{RejectShareExceeded.__name__}: ")
    assert "marketing_page_views" in message and "marketing/page_views/part-0000.csv" in message
    assert "page_category: unknown value" in message
