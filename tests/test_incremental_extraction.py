"""Incremental extraction on real DuckDB files: landing days replaced, object versions kept, and
only new or changed files read."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from dagster_project.extraction.landing import LandingLayoutError
from dagster_project.extraction.loader import load_source_table
from dagster_project.source_catalog import SOURCE_TABLES
from tests.test_extraction import DEALS, _deal, _write

EVENTS = next(t for t in SOURCE_TABLES if t.raw_table == "billing_subscription_events")
DAY_1, DAY_2 = date(2026, 10, 1), date(2026, 10, 2)


def _event(event_id: str, created: int = 1_790_000_000) -> str:
    return json.dumps(
        {
            "id": event_id,
            "type": "customer.subscription.updated",
            "created": created,
            "data": {"object": {"id": "sub_1"}},
        }
    )


def _lines(*records: str) -> str:
    return "\n".join(records) + "\n"


def _events(con: duckdb.DuckDBPyConnection) -> list[tuple[str, date, str]]:
    return con.execute(
        "select id, _landing_date, _source_file from raw.billing_subscription_events order by id"
    ).fetchall()


def test_reprocessing_a_landing_day_replaces_it_and_leaves_other_days_alone(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    _write(tmp_path, EVENTS, "part-0000.jsonl", _lines(_event("e1"), _event("e2")))
    _write(tmp_path, EVENTS, "date=2026-10-01/part-0000.jsonl", _lines(_event("e3")))
    load_source_table(con, EVENTS, tmp_path, datetime(2026, 10, 2, 6))

    # The day's export is sent again with one more event; the day is loaded twice.
    _write(tmp_path, EVENTS, "date=2026-10-01/part-0000.jsonl", _lines(_event("e3"), _event("e4")))
    for hour in (7, 8):
        result = load_source_table(
            con, EVENTS, tmp_path, datetime(2026, 10, 2, hour), (DAY_1, DAY_1)
        )

    day_file = "billing/subscription_events/date=2026-10-01/part-0000.jsonl"
    assert result.files == (day_file,)
    assert result.accounting.rows_read == 2
    assert _events(con) == [
        ("e1", date(2026, 9, 30), "billing/subscription_events/part-0000.jsonl"),
        ("e2", date(2026, 9, 30), "billing/subscription_events/part-0000.jsonl"),
        ("e3", DAY_1, day_file),
        ("e4", DAY_1, day_file),
    ]
    # The initial export's rows were not rewritten; the day's rows carry the last load's time.
    loaded = con.execute(
        "select _landing_date, min(_loaded_at), max(_loaded_at) "
        "from raw.billing_subscription_events group by 1 order by 1"
    ).fetchall()
    assert loaded == [
        (date(2026, 9, 30), datetime(2026, 10, 2, 6), datetime(2026, 10, 2, 6)),
        (DAY_1, datetime(2026, 10, 2, 8), datetime(2026, 10, 2, 8)),
    ]
    assert con.execute(
        "select source_file, rows_read, rows_loaded from meta.loaded_files order by 1"
    ).fetchall() == [(day_file, 2, 2), ("billing/subscription_events/part-0000.jsonl", 2, 2)]


def test_an_event_delivered_again_keeps_its_first_delivery_loaded_day_by_day_or_at_once(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    _write(tmp_path, EVENTS, "part-0000.jsonl", _lines(_event("e1")))
    _write(tmp_path, EVENTS, "date=2026-10-01/part-0000.jsonl", _lines(_event("e2")))
    _write(tmp_path, EVENTS, "date=2026-10-02/part-0000.jsonl", _lines(_event("e2"), _event("e3")))
    for days in ((date(2026, 9, 30), date(2026, 9, 30)), (DAY_1, DAY_1), (DAY_2, DAY_2)):
        load_source_table(con, EVENTS, tmp_path, datetime(2026, 10, 3), days)
    at_once = duckdb.connect(str(tmp_path / "full.duckdb"))
    load_source_table(at_once, EVENTS, tmp_path, datetime(2026, 10, 3))

    for connection, reason in (
        (con, "duplicate event: already delivered on 2026-10-01"),
        (at_once, "duplicate event: first delivered on 2026-10-01"),
    ):
        assert _events(connection) == [
            ("e1", date(2026, 9, 30), "billing/subscription_events/part-0000.jsonl"),
            ("e2", DAY_1, "billing/subscription_events/date=2026-10-01/part-0000.jsonl"),
            ("e3", DAY_2, "billing/subscription_events/date=2026-10-02/part-0000.jsonl"),
        ]
        assert connection.execute(
            "select source_file, source_line, record_id, reason from quarantine.rejected_rows"
        ).fetchall() == [
            ("billing/subscription_events/date=2026-10-02/part-0000.jsonl", 1, "e2", reason)
        ]
    at_once.close()


def _deal_version(deal_id: str, updated: str, stage: str) -> str:
    record = json.loads(_deal(deal_id))
    record["updatedAt"] = updated
    record["properties"]["dealstage"] = stage
    return json.dumps(record)


def test_objects_load_new_files_only_keep_every_version_and_serve_the_latest(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    _write(tmp_path, DEALS, "part-0000.jsonl", _lines(_deal("1"), _deal("2")))
    load_source_table(con, DEALS, tmp_path, datetime(2026, 10, 1, 6))
    # Deal 1 moves to proposal on Oct 1; on Oct 2 a stale copy of an older version arrives late.
    _write(
        tmp_path,
        DEALS,
        "date=2026-10-01/part-0000.jsonl",
        _lines(_deal_version("1", "2026-10-01T09:00:00.000Z", "proposal")),
    )
    _write(
        tmp_path,
        DEALS,
        "date=2026-10-02/part-0000.jsonl",
        _lines(_deal_version("1", "2026-09-15T09:00:00.000Z", "discovery")),
    )

    second = load_source_table(con, DEALS, tmp_path, datetime(2026, 10, 2, 6))
    third = load_source_table(con, DEALS, tmp_path, datetime(2026, 10, 3, 6))

    assert second.files == (
        "crm/deals/date=2026-10-01/part-0000.jsonl",
        "crm/deals/date=2026-10-02/part-0000.jsonl",
    )
    assert (third.files, third.accounting.rows_read) == ((), 0)
    latest = "select id, properties->>'dealstage' from raw.crm_deals order by id"
    assert con.execute(latest).fetchall() == [("1", "proposal"), ("2", "demo")]
    assert con.execute("select count(*) from raw.crm_deals__versions").fetchone() == (4,)

    # A file removed from the landing folder takes its version out of raw.
    (tmp_path / "crm/deals/date=2026-10-01/part-0000.jsonl").unlink()
    fourth = load_source_table(con, DEALS, tmp_path, datetime(2026, 10, 4, 6))

    assert fourth.forgotten_files == ("crm/deals/date=2026-10-01/part-0000.jsonl",)
    assert con.execute(latest).fetchall() == [("1", "discovery"), ("2", "demo")]
    assert con.execute("select count(*) from meta.loaded_files").fetchone() == (2,)


def test_a_file_outside_the_layout_is_named(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    _write(tmp_path, DEALS, "2026-10-01/part-0000.jsonl", _lines(_deal("1")))

    with pytest.raises(LandingLayoutError, match=r"crm/deals/2026-10-01/part-0000.jsonl.*date="):
        load_source_table(con, DEALS, tmp_path, datetime(2026, 10, 1))


def test_a_landing_day_without_files_for_a_table_loads_nothing_and_keeps_the_rest(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    _write(tmp_path, EVENTS, "part-0000.jsonl", _lines(_event("e1")))
    load_source_table(con, EVENTS, tmp_path, datetime(2026, 10, 1))

    quiet_day = load_source_table(con, EVENTS, tmp_path, datetime(2026, 10, 2), (DAY_1, DAY_1))

    assert (quiet_day.files, quiet_day.accounting.rows_read) == ((), 0)
    assert [row[0] for row in _events(con)] == ["e1"]


def test_a_warehouse_with_the_old_ledger_is_migrated_once_and_nothing_reloads(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    _write(tmp_path, EVENTS, "part-0000.jsonl", _lines(_event("e1"), _event("e2")))
    load_source_table(con, EVENTS, tmp_path, datetime(2026, 10, 2, 6))
    # What a warehouse built before the rename holds: the same ledger under its old name.
    con.execute("create schema if not exists quarantine")
    con.execute("create table quarantine.load_audit as select * from meta.loaded_files")
    con.execute("drop table meta.loaded_files")

    # Two later runs of a day with no file: the first migrates, the second finds nothing to do.
    for hour in (7, 8):
        result = load_source_table(
            con, EVENTS, tmp_path, datetime(2026, 10, 2, hour), (DAY_1, DAY_1)
        )

    assert result.files == ()
    assert con.execute(
        "select source_table, source_file, rows_read, loaded_at from meta.loaded_files"
    ).fetchall() == [
        (
            "billing_subscription_events",
            "billing/subscription_events/part-0000.jsonl",
            2,
            datetime(2026, 10, 2, 6),
        )
    ]
    assert con.execute(
        "select count(*) from duckdb_tables() where table_name = 'load_audit'"
    ).fetchone() == (0,)
    assert [row[0] for row in _events(con)] == ["e1", "e2"]
