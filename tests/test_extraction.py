"""The raw loader on real DuckDB files: shapes, line numbers, and bad input that must stop it."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from dagster_project.extraction.loader import ExtractionError, load_source_table
from dagster_project.source_catalog import SOURCE_TABLES, SourceTable

LOADED_AT = datetime(2026, 9, 30, 6, 0)
DEALS = next(t for t in SOURCE_TABLES if t.raw_table == "crm_deals")
CAMPAIGNS = next(t for t in SOURCE_TABLES if t.raw_table == "marketing_campaigns")


def _deal(deal_id: str, **extra: object) -> str:
    record = {
        "id": deal_id,
        "properties": {"amount": "1200.50", "dealstage": "demo"},
        "createdAt": "2025-01-02T03:04:05.000Z",
        "updatedAt": "2025-01-03T03:04:05.000Z",
        "archived": False,
        "associations": {"companies": {"results": [{"id": "7", "type": "deal_to_company"}]}},
        "propertiesWithHistory": {"dealstage": []},
        **extra,
    }
    return json.dumps(record)


def _write(landing: Path, table: SourceTable, name: str, text: str) -> Path:
    path = landing / table.landing_subdir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_jsonl_keeps_nested_objects_as_json_and_numbers_every_record(tmp_path, con) -> None:
    _write(tmp_path, DEALS, "part-0000.jsonl", "\n".join([_deal("1"), _deal("2")]) + "\n")
    _write(tmp_path, DEALS, "part-0001.jsonl", _deal("3") + "\n")

    result = load_source_table(con, DEALS, tmp_path, LOADED_AT)

    assert result.rows == 3
    assert result.rows_per_file == {
        "crm/deals/part-0000.jsonl": 2,
        "crm/deals/part-0001.jsonl": 1,
    }
    rows = con.execute(
        "select id, properties->>'amount', associations->'companies'->'results'->0->>'id', "
        "archived, _source_file, _source_line, _loaded_at from raw.crm_deals order by id"
    ).fetchall()
    assert rows == [
        ("1", "1200.50", "7", "false", "crm/deals/part-0000.jsonl", 1, LOADED_AT),
        ("2", "1200.50", "7", "false", "crm/deals/part-0000.jsonl", 2, LOADED_AT),
        ("3", "1200.50", "7", "false", "crm/deals/part-0001.jsonl", 1, LOADED_AT),
    ]
    types = dict(
        con.execute("select column_name, column_type from (describe raw.crm_deals)").fetchall()
    )
    assert types["properties"] == "JSON" and types["id"] == "VARCHAR"


def test_a_new_column_in_an_export_is_carried_into_raw(tmp_path, con) -> None:
    _write(tmp_path, DEALS, "part-0000.jsonl", _deal("1") + "\n" + _deal("2", region="EMEA") + "\n")

    result = load_source_table(con, DEALS, tmp_path, LOADED_AT)

    assert "region" in result.columns
    assert con.execute("select region from raw.crm_deals order by id").fetchall() == [
        (None,),
        ("EMEA",),
    ]


def test_csv_is_loaded_as_text_with_quoted_commas(tmp_path, con) -> None:
    _write(
        tmp_path,
        CAMPAIGNS,
        "part-0000.csv",
        "campaign_id,name,channel,start_date,end_date\n"
        'c1,"Webinar, Q1",events,2025-01-01,2025-01-31\n'
        "c2,Search,paid_search,2025-02-01,\n",
    )

    load_source_table(con, CAMPAIGNS, tmp_path, LOADED_AT)

    # The file's lines: the header is line 1.
    assert con.execute(
        "select campaign_id, name, end_date, _source_line from raw.marketing_campaigns order by 1"
    ).fetchall() == [("c1", "Webinar, Q1", "2025-01-31", 2), ("c2", "Search", None, 3)]


def test_missing_landing_folder_names_the_expected_path(tmp_path, con) -> None:
    with pytest.raises(ExtractionError, match=r"no \*\.jsonl files in .*crm/deals"):
        load_source_table(con, DEALS, tmp_path, LOADED_AT)


def _raw_types(con, relation: str) -> dict[str, str]:
    return dict(
        con.execute(f"select column_name, column_type from (describe {relation})").fetchall()
    )


def test_files_without_records_give_the_contracts_empty_table(tmp_path, con) -> None:
    _write(tmp_path, DEALS, "part-0000.jsonl", "")
    _write(tmp_path, DEALS, "date=2026-10-01/part-0000.jsonl", "\n\n")

    result = load_source_table(con, DEALS, tmp_path, LOADED_AT)

    assert result.rows == 0 and result.accounting.rows_read == 0
    assert result.rows_per_file == {
        "crm/deals/part-0000.jsonl": 0,
        "crm/deals/date=2026-10-01/part-0000.jsonl": 0,
    }
    assert con.execute("select count(*) from raw.crm_deals").fetchone() == (0,)
    assert _raw_types(con, "raw.crm_deals") == {
        "id": "VARCHAR",
        "properties": "JSON",
        "createdAt": "VARCHAR",
        "updatedAt": "VARCHAR",
        "archived": "VARCHAR",
        "associations": "JSON",
        "propertiesWithHistory": "JSON",
        "_source_file": "VARCHAR",
        "_source_line": "BIGINT",
        "_loaded_at": "TIMESTAMP",
        "_landing_date": "DATE",
    }
    # The ledger knows both files: an unchanged one is not read again.
    assert con.execute(
        "select count(*), sum(rows_read) from meta.loaded_files where source_table = 'crm_deals'"
    ).fetchone() == (2, 0)
    assert load_source_table(con, DEALS, tmp_path, LOADED_AT).files == ()


def test_a_csv_header_without_rows_is_no_records_and_a_later_export_loads(tmp_path, con) -> None:
    header = "campaign_id,name,channel,start_date,end_date\n"
    _write(tmp_path, CAMPAIGNS, "part-0000.csv", header)

    assert load_source_table(con, CAMPAIGNS, tmp_path, LOADED_AT).rows == 0
    assert con.execute("select count(*) from raw.marketing_campaigns").fetchone() == (0,)

    _write(tmp_path, CAMPAIGNS, "part-0000.csv", header + "c1,A,email,2025-01-01,2025-01-31\n")
    assert load_source_table(con, CAMPAIGNS, tmp_path, LOADED_AT).rows == 1
    assert con.execute("select campaign_id, name from raw.marketing_campaigns").fetchall() == [
        ("c1", "A")
    ]


def test_a_csv_header_without_rows_must_still_name_the_required_columns(tmp_path, con) -> None:
    path = _write(tmp_path, CAMPAIGNS, "part-0000.csv", "campaign_id,name\n")
    with pytest.raises(ExtractionError, match=rf"{path}: required column 'channel' is missing"):
        load_source_table(con, CAMPAIGNS, tmp_path, LOADED_AT)


def test_an_absent_optional_table_is_the_contracts_empty_table(tmp_path, con) -> None:
    tracks = next(t for t in SOURCE_TABLES if t.raw_table == "product_tracks")
    credit_notes = next(t for t in SOURCE_TABLES if t.raw_table == "billing_credit_notes")

    assert load_source_table(con, tracks, tmp_path, LOADED_AT).rows == 0
    assert load_source_table(con, credit_notes, tmp_path, LOADED_AT).rows == 0

    # Parquet keeps its types: staging reads the event times as timestamps.
    assert _raw_types(con, "raw.product_tracks")["timestamp"] == "TIMESTAMP"
    # Objects: the view of latest versions staging reads exists over the empty versions table.
    assert list(_raw_types(con, "raw.billing_credit_notes"))[:8] == [
        "id",
        "invoice",
        "customer",
        "amount",
        "currency",
        "created",
        "reason",
        "status",
    ]
    assert con.execute("select count(*) from raw.billing_credit_notes").fetchone() == (0,)


def test_truncated_jsonl_names_file_and_line(tmp_path, con) -> None:
    text = _deal("1") + "\n" + _deal("2") + "\n" + _deal("3")[:40] + "\n"
    path = _write(tmp_path, DEALS, "part-0000.jsonl", text)
    with pytest.raises(ExtractionError, match=rf"{path}: cannot be parsed: .*line \d"):
        load_source_table(con, DEALS, tmp_path, LOADED_AT)


def test_malformed_csv_row_names_file_and_line(tmp_path, con) -> None:
    path = _write(
        tmp_path,
        CAMPAIGNS,
        "part-0000.csv",
        "campaign_id,name,channel,start_date,end_date\n"
        "c1,A,email,2025-01-01,2025-01-31\n"
        "c2,B,email,2025-01-01,2025-01-31,unexpected\n",
    )
    with pytest.raises(
        ExtractionError,
        match=rf"^{path}: cannot be parsed: line 3: 6 values where the header has 5: c2,B,",
    ):
        load_source_table(con, CAMPAIGNS, tmp_path, LOADED_AT)


def test_missing_required_column_names_column_and_file(tmp_path, con) -> None:
    path = _write(
        tmp_path, CAMPAIGNS, "part-0000.csv", "campaign_id,name,start_date,end_date\nc1,A,x,y\n"
    )
    with pytest.raises(ExtractionError, match=rf"{path}: required column 'channel' is missing"):
        load_source_table(con, CAMPAIGNS, tmp_path, LOADED_AT)


def test_a_failed_load_leaves_the_previous_raw_table_untouched(tmp_path, con) -> None:
    _write(tmp_path, DEALS, "part-0000.jsonl", _deal("1") + "\n")
    load_source_table(con, DEALS, tmp_path, LOADED_AT)
    # The next export has a good file and a truncated one: nothing of it may be half-loaded.
    _write(tmp_path, DEALS, "part-0000.jsonl", _deal("1") + "\n" + _deal("2") + "\n")
    _write(tmp_path, DEALS, "part-0001.jsonl", _deal("3")[:30])

    with pytest.raises(ExtractionError, match="part-0001.jsonl"):
        load_source_table(con, DEALS, tmp_path, LOADED_AT)

    assert con.execute("select id from raw.crm_deals").fetchall() == [("1",)]


def test_schema_drift_is_reported_against_the_previous_load(tmp_path, con) -> None:
    _write(tmp_path, DEALS, "part-0000.jsonl", _deal("1") + "\n")
    first = load_source_table(con, DEALS, tmp_path, LOADED_AT)
    _write(tmp_path, DEALS, "part-0000.jsonl", _deal("1", region="EMEA") + "\n")

    second = load_source_table(con, DEALS, tmp_path, LOADED_AT)

    assert first.new_columns == ()
    assert second.new_columns == ("region",)
