"""Quarantine follows references: a row whose parent was quarantined or never delivered is
quarantined too, naming which; a parent served by an earlier version still counts."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import duckdb

from dagster_project.extraction.loader import load_source_table
from dagster_project.source_catalog import SOURCE_TABLES

TABLES = {t.raw_table: t for t in SOURCE_TABLES}
AS_OF = date(2026, 9, 30)


def _deal(deal_id: str, stage: str, updated: str) -> dict:
    return {
        "id": deal_id,
        "properties": {"dealstage": stage, "amount": "100", "deal_currency_code": "EUR"},
        "createdAt": "2026-09-01T00:00:00Z",
        "updatedAt": updated,
        "archived": False,
        "associations": {"companies": {"results": [{"id": "7"}]}},
        "propertiesWithHistory": {},
    }


def _engagement(engagement_id: str, deal_id: str) -> dict:
    return {
        "id": engagement_id,
        "properties": {"hs_timestamp": "2026-09-03T10:00:00Z", "hs_engagement_type": "CALL"},
        "createdAt": "2026-09-03T10:00:00Z",
        "updatedAt": "2026-09-03T10:00:00Z",
        "archived": False,
        "associations": {"deals": {"results": [{"id": deal_id}]}},
    }


def _write(folder: Path, records: list[dict]) -> None:
    folder.mkdir(parents=True)
    text = "".join(json.dumps(record) + "\n" for record in records)
    (folder / "part-0000.jsonl").write_text(text, encoding="utf-8")


def test_children_of_a_quarantined_or_missing_parent_are_quarantined(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    # Deal 3's first version is good; its later one (the next landing day) has an unknown stage.
    _write(
        landing / "crm" / "deals" / "date=2026-09-01",
        [_deal("1", "demo", "2026-09-01T00:00:00Z"), _deal("3", "demo", "2026-09-01T00:00:00Z")],
    )
    _write(
        landing / "crm" / "deals" / "date=2026-09-02",
        [_deal("2", "won", "2026-09-02T00:00:00Z"), _deal("3", "won", "2026-09-02T00:00:00Z")],
    )
    _write(
        landing / "crm" / "engagements" / "date=2026-09-03",
        [_engagement(e, d) for e, d in (("e1", "1"), ("e2", "2"), ("e3", "99"), ("e4", "3"))],
    )
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("create schema raw")
    for parent in ("crm_companies", "crm_owners", "crm_contacts"):
        con.execute(f"create table raw.{parent} as select '7' as id")
    con.execute("create table raw.billing_fx_rates as select 'USD' as currency")

    deals = load_source_table(con, TABLES["crm_deals"], landing, datetime(2026, 9, 30), None, AS_OF)
    engagements = load_source_table(
        con, TABLES["crm_engagements"], landing, datetime(2026, 9, 30), None, AS_OF
    )

    assert deals.accounting.rows_quarantined == 2
    assert con.execute(
        "select record_id, field, reason from quarantine.rejected_rows "
        "where source_table = 'crm_engagements' order by record_id"
    ).fetchall() == [
        ("e2", "associations.deals", "parent crm_deals 2 quarantined"),
        ("e3", "associations.deals", "parent crm_deals 99 missing"),
    ]
    # Deal 3 is served by its earlier version, so its engagement stays.
    assert con.execute("select id from raw.crm_engagements order by id").fetchall() == [
        ("e1",),
        ("e4",),
    ]
    accounting = engagements.accounting
    assert (accounting.rows_read, accounting.rows_loaded, accounting.rows_quarantined) == (4, 2, 2)
    con.close()


def test_children_of_an_earlier_load_follow_a_parent_quarantined_later(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    deals = landing / "crm" / "deals"
    _write(
        deals,
        [_deal("1", "demo", "2026-09-01T00:00:00Z"), _deal("2", "demo", "2026-09-01T00:00:00Z")],
    )
    _write(landing / "crm" / "engagements", [_engagement("e1", "1"), _engagement("e2", "2")])
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("create schema raw")
    for parent in ("crm_companies", "crm_owners", "crm_contacts"):
        con.execute(f"create table raw.{parent} as select '7' as id")
    con.execute("create table raw.billing_fx_rates as select 'USD' as currency")
    for table in ("crm_deals", "crm_engagements"):
        load_source_table(con, TABLES[table], landing, datetime(2026, 9, 30), None, AS_OF)
    assert con.execute("select count(*) from quarantine.rejected_rows").fetchone() == (0,)

    # The deals file is corrected upstream into a stage nobody mapped; engagements do not change.
    text = "".join(
        json.dumps(_deal(i, stage, "2026-09-01T00:00:00Z")) + "\n"
        for i, stage in (("1", "demo"), ("2", "won"))
    )
    (deals / "part-0000.jsonl").write_text(text, encoding="utf-8")
    for table in ("crm_deals", "crm_engagements"):
        load_source_table(con, TABLES[table], landing, datetime(2026, 10, 1), None, AS_OF)

    assert con.execute(
        "select record_id, reason, loaded_at from quarantine.rejected_rows "
        "where source_table = 'crm_engagements'"
    ).fetchall() == [("e2", "parent crm_deals 2 quarantined", datetime(2026, 9, 30))]
    assert con.execute("select id from raw.crm_engagements").fetchall() == [("e1",)]
    assert con.execute(
        "select rows_read, rows_loaded, rows_quarantined from meta.loaded_files "
        "where source_table = 'crm_engagements'"
    ).fetchall() == [(2, 1, 1)]
    con.close()


def test_references_read_a_parents_keys_from_its_versions_table_when_it_has_one() -> None:
    """The versions hold the keys the raw view serves (its latest version of each): read
    there, no version is ranked. A parent raw table without versions (made by hand) is read
    itself, and so is a reference to a column that is not the parent's key."""
    from dagster_project.extraction.references import parent_relations
    from dagster_project.extraction.rules import Rule

    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute("create table raw.crm_companies__versions as select '7' as id")
    con.execute("create view raw.crm_companies as select * from raw.crm_companies__versions")
    con.execute("create table raw.crm_owners as select '9' as id")
    rules = (
        Rule("company", '"company"', "ref", parent="crm_companies", parent_key="id"),
        Rule("domain", '"domain"', "ref", parent="crm_companies", parent_key="domain"),
        Rule("owner", '"owner"', "ref", parent="crm_owners", parent_key="id"),
    )
    assert parent_relations(con, rules) == {("crm_companies", "id"): "raw.crm_companies__versions"}
