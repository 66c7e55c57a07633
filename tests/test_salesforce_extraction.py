"""Salesforce records at extraction: the org's bad rows quarantined with their reasons, every
row accounted for, the latest version by SystemModstamp served, a `queryAll` deletion kept."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from dagster_project.extraction.loader import load_source_table
from dagster_project.extraction.reject_gate import (
    RejectShareExceeded,
    check_reject_share,
    table_share,
)
from dagster_project.metric_config import metric_vars
from dagster_project.source_catalog import SALESFORCE_TABLES
from generator.write_salesforce import CONTACT_FIELDS, DEAL_FIELDS, _mapping_yaml

TABLES = {t.raw_table: t for t in SALESFORCE_TABLES}
LOADED_AT = datetime(2026, 9, 30, 6, 0)
ACCOUNT = "001000000000000001"
CONTACT = "003000000000000001"
MISSING_CONTACT = "003000000000000999"
STAMP = "2026-09-01T10:00:00.000+0000"


def _record(object_type: str, record_id: str, **fields: object) -> dict[str, object]:
    return {
        "attributes": {"type": object_type, "url": f"/services/data/v60.0/sobjects/{record_id}"},
        "Id": record_id,
        "IsDeleted": False,
        "CreatedDate": "2026-08-01T10:00:00.000+0000",
        "SystemModstamp": STAMP,
        **fields,
    }


def _person(object_type: str, record_id: str, **fields: object) -> dict[str, object]:
    """A lead or contact with the org's mapped fields (the mapping file names them)."""
    mapped = dict.fromkeys(CONTACT_FIELDS.values()) | {"Lifecycle_Stage__c": "SQL"}
    return _record(object_type, record_id, **(mapped | fields))


def _opportunity(record_id: str, **fields: object) -> dict[str, object]:
    defaults = dict.fromkeys(DEAL_FIELDS.values()) | {
        "AccountId": ACCOUNT,
        "ContactId": CONTACT,
        "StageName": "Prospecting",
        "IsClosed": False,
        "IsWon": False,
        "Amount": 1000.0,
        "CurrencyIsoCode": "USD",
        "Probability": 5.0,
        "CloseDate": "2026-10-15",
    }
    return _record("Opportunity", record_id, **(defaults | fields))


def _write(landing: Path, table: str, records: list[dict[str, object]], day: str = "") -> None:
    folder = landing / "salesforce" / table / (f"date={day}" if day else "")
    folder.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps(record) + "\n" for record in records)
    (folder / "part-0000.jsonl").write_text(lines, encoding="utf-8")


def test_the_orgs_bad_rows_are_quarantined_with_their_reasons(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    (landing / "crm").mkdir(parents=True)
    (landing / "crm" / "mapping.yml").write_text(_mapping_yaml(), encoding="utf-8")
    _write(landing, "account", [_record("Account", ACCOUNT, Name="Acme")])
    _write(landing, "contact", [_person("Contact", CONTACT, AccountId=ACCOUNT)])
    _write(
        landing,
        "opportunity",
        [
            _opportunity("006000000000000001"),
            _opportunity("006000000000000002", StageName="Signed Off"),
            _opportunity("006000000000000003", AccountId=None),
            _opportunity("006000000000000004", CurrencyIsoCode="JPY"),
        ],
    )
    # The next day's sync: a newer version of the first (served instead of it) and a deletion
    # seen through queryAll (kept, flagged).
    _write(
        landing,
        "opportunity",
        [
            _opportunity(
                "006000000000000001",
                StageName="Qualification",
                SystemModstamp="2026-09-02T10:00:00.000+0000",
            ),
            _opportunity("006000000000000005", IsDeleted=True),
        ],
        day="2026-09-02",
    )
    _write(
        landing,
        "lead",
        [
            _person("Lead", "00Q000000000000001", IsConverted=True, ConvertedContactId=CONTACT),
            _person(
                "Lead", "00Q000000000000002", IsConverted=True, ConvertedContactId=MISSING_CONTACT
            ),
        ],
    )
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("create schema raw")
    con.execute("create table raw.billing_fx_rates as select 'USD' as currency")
    results = {
        name: load_source_table(con, TABLES[name], landing, LOADED_AT, crm="salesforce")
        for name in ("salesforce_account", "salesforce_contact", "salesforce_opportunity")
    }
    results["salesforce_lead"] = load_source_table(
        con, TABLES["salesforce_lead"], landing, LOADED_AT, crm="salesforce"
    )

    rejected = con.execute(
        "select source_table, record_id, field, reason from quarantine.rejected_rows "
        "order by source_table, source_line"
    ).fetchall()
    assert rejected == [
        ("salesforce_lead", "00Q000000000000002", "ConvertedContactId",
         f"parent salesforce_contact {MISSING_CONTACT} missing"),
        ("salesforce_opportunity", "006000000000000002", "StageName",
         "unmapped deal stage: Signed Off"),
        ("salesforce_opportunity", "006000000000000003", "AccountId", "missing value"),
        ("salesforce_opportunity", "006000000000000004", "CurrencyIsoCode",
         "unknown currency: JPY"),
    ]  # fmt: skip
    accounting = results["salesforce_opportunity"].accounting
    assert (accounting.rows_read, accounting.rows_loaded, accounting.rows_quarantined) == (6, 3, 3)
    served = con.execute(
        'select "Id", "StageName", "IsDeleted" from raw.salesforce_opportunity order by 1'
    ).fetchall()
    assert served == [
        ("006000000000000001", "Qualification", "false"),
        ("006000000000000005", "Prospecting", "true"),
    ]


def test_the_orgs_bad_rows_weigh_in_the_reject_share_of_every_run(tmp_path: Path) -> None:
    """Each kind of bad row once among 100 opportunities and 100 leads: under the configured
    reject share (2%) the run goes on; one more unknown stage and the gate stops it, naming
    the table, its share and the reasons."""
    landing = tmp_path / "landing"
    (landing / "crm").mkdir(parents=True)
    (landing / "crm" / "mapping.yml").write_text(_mapping_yaml(), encoding="utf-8")
    _write(landing, "account", [_record("Account", ACCOUNT, Name="Acme")])
    _write(landing, "contact", [_person("Contact", CONTACT, AccountId=ACCOUNT)])
    opportunities = [_opportunity(f"0060000000000{n:05d}") for n in range(1, 101)]
    opportunities[10]["StageName"] = "Signed Off"  # a stage the org's mapping lacks
    opportunities[20]["AccountId"] = None  # no account
    opportunities[30]["AccountId"] = "001000000000000999"  # an account not in the export
    _write(landing, "opportunity", opportunities)
    leads = [_person("Lead", f"00Q0000000000{n:05d}", IsConverted=False) for n in range(1, 101)]
    leads[5].update(IsConverted=True, ConvertedContactId=MISSING_CONTACT)
    _write(landing, "lead", leads)
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("create schema raw")
    con.execute("create table raw.billing_fx_rates as select 'USD' as currency")
    max_share = float(metric_vars()["quarantine_max_reject_share"])
    for name in ("salesforce_account", "salesforce_contact", "salesforce_lead"):
        load_source_table(con, TABLES[name], landing, LOADED_AT, crm="salesforce")
    lead_share = table_share(con, "salesforce_lead")
    assert (lead_share.rows_read, lead_share.rows_quarantined) == (100, 1)
    check_reject_share(lead_share, max_share)  # 1%: the run goes on

    # 3 of 100 opportunities: above 2%. With the currency one (a fourth kind) it is 4 of 101.
    opportunities.append(_opportunity("006000000000000101", CurrencyIsoCode="JPY"))
    _write(landing, "opportunity", opportunities)
    result = load_source_table(
        con, TABLES["salesforce_opportunity"], landing, LOADED_AT, crm="salesforce"
    )
    assert (result.accounting.rows_read, result.accounting.rows_quarantined) == (101, 4)
    share = table_share(con, "salesforce_opportunity")
    with pytest.raises(RejectShareExceeded) as stopped:
        check_reject_share(share, max_share)
    message = str(stopped.value)
    assert message.startswith("salesforce_opportunity: 4 of 101 rows (4.0%) quarantined")
    for reason in (
        "StageName: unmapped deal stage x1",
        "AccountId: missing value x1",
        "AccountId: parent salesforce_account 001000000000000999 missing x1",
        "CurrencyIsoCode: unknown currency x1",
    ):
        assert reason in message, message

    # Corrected but for the unknown stage: 1 of 101, under the share; the corrected rows load.
    opportunities[20]["AccountId"] = opportunities[30]["AccountId"] = ACCOUNT
    opportunities[-1]["CurrencyIsoCode"] = "USD"
    _write(landing, "opportunity", opportunities)
    load_source_table(con, TABLES["salesforce_opportunity"], landing, LOADED_AT, crm="salesforce")
    share = table_share(con, "salesforce_opportunity")
    assert (share.rows_read, share.rows_quarantined) == (101, 1)
    check_reject_share(share, max_share)
    assert con.execute("select count(*) from raw.salesforce_opportunity").fetchone() == (100,)
