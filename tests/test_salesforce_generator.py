"""`revops-generate --crm salesforce`: the same company as the HubSpot export, byte-identical
from run to run."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from generator import generate

ARGS = {"size": 20, "seed": 3, "start": date(2025, 10, 1), "end": date(2026, 3, 31)}


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def _records(root: Path, table: str) -> list[dict]:
    lines = (root / "salesforce" / table / "part-0000.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def test_the_org_holds_the_hubspot_companys_people_and_deals(tmp_path: Path) -> None:
    hubspot = generate(tmp_path / "hubspot", **ARGS)
    salesforce = generate(tmp_path / "salesforce", **ARGS, crm="salesforce")
    generate(tmp_path / "again", **ARGS, crm="salesforce")
    assert _files(tmp_path / "salesforce") == _files(tmp_path / "again")

    # Every HubSpot contact is one person: a contact, or a lead never converted.
    leads = _records(tmp_path / "salesforce", "lead")
    unconverted = [lead for lead in leads if not lead["IsConverted"]]
    assert salesforce["salesforce_contact"] + len(unconverted) == hubspot["crm_contacts"]
    contacts = {c["Id"] for c in _records(tmp_path / "salesforce", "contact")}
    assert {lead["ConvertedContactId"] for lead in leads if lead["IsConverted"]} <= contacts
    assert salesforce["salesforce_opportunity"] == hubspot["crm_deals"]
    assert salesforce["salesforce_account"] == hubspot["crm_companies"]
    assert (
        salesforce["salesforce_task"] + salesforce["salesforce_event"] == hubspot["crm_engagements"]
    )
    # The other systems' exports are the same rows, naming the org's records.
    others = {k: v for k, v in hubspot.items() if not k.startswith("crm_")}
    assert {k: v for k, v in salesforce.items() if not k.startswith("salesforce_")} == others
    customer = json.loads(
        (tmp_path / "salesforce" / "billing" / "customers" / "part-0000.jsonl")
        .read_text()
        .splitlines()[0]
    )
    assert customer["metadata"]["salesforce_account_id"].startswith("001")
    assert not (tmp_path / "salesforce" / "crm" / "contacts").exists()
