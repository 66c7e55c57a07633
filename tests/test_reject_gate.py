"""The reject-share gate holds on every run: a rerun on the same landing folder fails the same
way until the file is corrected, since the gate weighs the whole table, not the rows just read."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project.extraction.assets import build_extraction_assets
from dagster_project.extraction.reject_gate import TableShare, check_reject_share
from dagster_project.resources import WarehouseResource

CREDIT_NOTES = dg.AssetKey(["raw", "billing_credit_notes"])


def _credit_note(index: int, amount: str) -> str:
    return json.dumps(
        {
            "id": f"cn_{index}",
            "invoice": "in_1",
            "customer": "cus_1",
            "amount": amount,
            "currency": "eur",
            "created": "1788000000",
        }
    )


def _write_credit_notes(landing: Path, bad_amount: str) -> None:
    folder = landing / "billing" / "credit_notes"
    folder.mkdir(parents=True, exist_ok=True)
    # 13 rows, the fifth with `bad_amount`: one reject is 7.7%, above the 2% limit.
    lines = [_credit_note(i, bad_amount if i == 5 else "100") for i in range(1, 14)]
    (folder / "part-0000.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _extract_credit_notes(warehouse: WarehouseResource) -> dg.ExecuteInProcessResult:
    asset = next(a for a in build_extraction_assets() if CREDIT_NOTES in a.keys)
    return dg.materialize([asset], resources={"warehouse": warehouse}, raise_on_error=False)


def _failure(result: dg.ExecuteInProcessResult) -> dg.Failure | None:
    failures = [event for event in result.all_events if event.is_step_failure]
    return failures[0].step_failure_data.user_failure_data if failures else None


def test_a_failed_gate_fails_every_rerun_until_the_file_is_corrected(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    _write_credit_notes(landing, bad_amount="-100")
    database = tmp_path / "build.duckdb"
    with duckdb.connect(str(database)) as con:
        # Parents of the credit notes' rules: invoices and customers are not loaded (their
        # references go unchecked), the FX table says EUR is the only currency.
        con.execute("create schema raw")
        con.execute("create table raw.billing_fx_rates as select 'EUR' as currency")
    warehouse = WarehouseResource(
        database=str(database), landing_dir=str(landing), published_database=str(database)
    )

    expected = (
        "RejectShareExceeded: billing_credit_notes: 1 of 13 rows (7.7%) quarantined, above the "
        "limit of 2.0% (quarantine_max_reject_share), in billing/credit_notes/part-0000.jsonl. "
        "Top reasons: amount: negative amount x1 (e.g. billing/credit_notes/part-0000.jsonl:5)."
        " Rows are in quarantine.rejected_rows of the build warehouse; every run fails on this "
        "table until its files are corrected."
    )
    for _ in range(2):
        result = _extract_credit_notes(warehouse)
        assert not result.success
        assert _failure(result).description == expected

    _write_credit_notes(landing, bad_amount="90")
    result = _extract_credit_notes(warehouse)
    assert result.success
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute("select count(*) from raw.billing_credit_notes").fetchone() == (13,)
        assert con.execute("select count(*) from quarantine.rejected_rows").fetchone() == (0,)


def test_the_limit_itself_passes_and_many_files_are_summed_up() -> None:
    files = tuple(
        f"billing/credit_notes/date=2026-10-0{day}/part-0000.jsonl" for day in range(1, 6)
    )
    share = TableShare(
        "billing_credit_notes", 40, 5, files, (("amount: negative amount", 5, "x:2"),)
    )
    with pytest.raises(Exception, match=r"5 of 40 rows \(12\.5%\)") as raised:
        check_reject_share(share, 0.02)
    assert f"in {files[0]}, {files[1]}, {files[2]} and 2 more." in str(raised.value)
    check_reject_share(share, 0.125)
