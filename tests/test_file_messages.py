"""Messages a person can act on: the file's own line for every format, byte-order marks,
invalid UTF-8, empty JSON keys, unbalanced quotes and each reject reason's first rows.

Tiny hand-written landing files, raw loads on a temporary DuckDB file (tests/conftest.py `con`).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from dagster_project.extraction.loader import ExtractionError, load_source_table
from dagster_project.source_catalog import SOURCE_TABLES, SourceTable

LOADED_AT = datetime(2026, 9, 30, 6, 0)
TABLES = {t.raw_table: t for t in SOURCE_TABLES}
CAMPAIGNS = TABLES["marketing_campaigns"]
SURVEYS = TABLES["success_survey_responses"]
CSV_HEADER = "campaign_id,name,channel,start_date,end_date\n"


def _survey(survey_id: str, score: object = 9) -> str:
    return json.dumps(
        {
            "id": survey_id,
            "survey": "nps",
            "company_id": "7",
            "contact_id": "c",
            "score": score,
            "responded_at": "2025-01-02T03:04:05Z",
        }
    )


def _write(landing: Path, table: SourceTable, data: str | bytes) -> Path:
    path = landing / table.landing_subdir / f"part-0000.{table.extension}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def _load_error(con, tmp_path: Path, table: SourceTable) -> str:
    with pytest.raises(ExtractionError) as error:
        load_source_table(con, table, tmp_path, LOADED_AT)
    return str(error.value)


def _quarantined(con) -> list[tuple[int, str, str]]:
    return con.execute(
        "select source_line, field, reason from quarantine.rejected_rows order by source_line"
    ).fetchall()


def test_a_truncated_json_line_is_named_by_its_own_line(tmp_path, con) -> None:
    # DuckDB says "line 3" for a truncated line 2: its message is not passed through.
    text = _survey("1") + "\n" + _survey("2")[:25] + "\n" + _survey("3") + "\n"
    path = _write(tmp_path, SURVEYS, text)
    assert _load_error(con, tmp_path, SURVEYS) == (
        f"{path}: cannot be parsed: line 2: not valid JSON (Unterminated string starting at "
        "column 23): "
        f"{_survey('2')[:25]}"
    )


def test_quarantine_names_the_file_line_after_blank_lines_in_json(tmp_path, con) -> None:
    _write(tmp_path, SURVEYS, f"{_survey('1')}\n\n  \n{_survey('2', 'ten')}\n")
    load_source_table(con, SURVEYS, tmp_path, LOADED_AT)
    assert _quarantined(con) == [(4, "score", "unparseable number: ten")]


def test_quarantine_names_the_file_line_after_a_value_spanning_lines_in_csv(tmp_path, con) -> None:
    # Record 2 spans lines 3-4; record 3, on line 5, has an unknown channel.
    text = (
        CSV_HEADER + "c1,A,email,2025-01-01,\n"
        'c2,"two\nlines",email,2025-01-01,\n'
        "c3,C,fax,2025-01-01,\n"
    )
    _write(tmp_path, CAMPAIGNS, text)
    load_source_table(con, CAMPAIGNS, tmp_path, LOADED_AT)
    assert _quarantined(con) == [(5, "channel", "unknown value: fax")]
    assert con.execute(
        "select campaign_id, _source_line from raw.marketing_campaigns order by 1"
    ).fetchall() == [("c1", 2), ("c2", 3)]


def test_a_byte_order_mark_is_not_part_of_the_data(tmp_path, con) -> None:
    bom = b"\xef\xbb\xbf"
    _write(tmp_path, CAMPAIGNS, bom + (CSV_HEADER + "c1,A,email,2025-01-01,\n").encode())
    _write(tmp_path, SURVEYS, bom + (_survey("1") + "\n").encode())
    load_source_table(con, CAMPAIGNS, tmp_path, LOADED_AT)
    load_source_table(con, SURVEYS, tmp_path, LOADED_AT)
    assert con.execute("select campaign_id from raw.marketing_campaigns").fetchall() == [("c1",)]
    assert con.execute("select id, _source_line from raw.success_survey_responses").fetchall() == [
        ("1", 1)
    ]


@pytest.mark.parametrize(
    ("table", "data", "expected"),
    [
        (
            CAMPAIGNS,
            (CSV_HEADER + "c1,A,email,2025-01-01,\nc2,Caf\xe9,email,2025-01-01,\n").encode(
                "latin-1"
            ),
            "line 3, field 'name': not valid UTF-8 (byte 0xE9); save the file as UTF-8",
        ),
        (
            SURVEYS,
            (_survey("1") + "\n" + _survey("2").replace('"nps"', '"n\xe9ps"') + "\n").encode(
                "latin-1"
            ),
            "line 2, field 'survey': not valid UTF-8 (byte 0xE9); save the file as UTF-8",
        ),
    ],
    ids=["csv", "jsonl"],
)
def test_invalid_utf8_is_named_with_line_and_field(tmp_path, con, table, data, expected) -> None:
    path = _write(tmp_path, table, data)
    assert _load_error(con, tmp_path, table) == f"{path}: cannot be parsed: {expected}"


def test_an_empty_json_key_is_named_with_its_line(tmp_path, con) -> None:
    record = json.loads(_survey("2")) | {"": "x"}
    path = _write(tmp_path, SURVEYS, f"{_survey('1')}\n\n{json.dumps(record)}\n")
    assert _load_error(con, tmp_path, SURVEYS) == (
        f'{path}: line 3: a record has an empty key ""; every key of a record names a column'
    )


def test_an_unbalanced_quote_quotes_only_its_own_line(tmp_path, con) -> None:
    rows = "".join(f"c{n},Name {n},email,2025-01-01,\n" for n in range(3, 200))
    path = _write(tmp_path, CAMPAIGNS, CSV_HEADER + "c1,A,email,2025-01-01,\n" + 'c2,"B,x\n' + rows)
    assert _load_error(con, tmp_path, CAMPAIGNS) == (
        f"{path}: cannot be parsed: line 3: a quoted value opened on this line never closes: "
        'c2,"B,x'
    )


def test_each_reason_cites_its_first_bad_rows_in_file_order(tmp_path, con) -> None:
    # Bad scores on lines 2, 10, 11 and 12: a text sort would put line 10 first.
    lines = [_survey(str(n), "x" if n in (2, 10, 11, 12) else 9) for n in range(1, 13)]
    _write(tmp_path, SURVEYS, "\n".join(lines) + "\n")
    result = load_source_table(con, SURVEYS, tmp_path, LOADED_AT)
    source = "success/survey_responses/part-0000.jsonl"
    assert result.accounting.top_reasons == (
        ("score: unparseable number", 4, f"{source}:2, {source}:10, {source}:11"),
    )
