"""The Salesforce connector against the fake org serving a generated company: a full sync, then a
daily one that meets an edited, a deleted, a new and a late-committed record, land what the
generator's own org files hold plus those changes, as extraction reads them; a second sync of a
day writes the same files."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from dagster_project.connectors.salesforce import SalesforceConnector
from generator.fake_apis.company import Company
from generator.fake_apis.salesforce import FakeSalesforce
from generator.fake_apis.server import serve
from tests.connector_company import (
    FAST,
    HISTORY_END,
    NEXT_DAY,
    generated_org,
    landing_bytes,
    raw_tables,
)

CLIENT_ID, CLIENT_SECRET = "3MVG9planted.client.id", "planted-client-secret-8d1f"
SF_OBJECTS = (
    "user_role",
    "user",
    "account",
    "contact",
    "opportunity",
    "lead",
    "opportunity_history",
    "opportunity_contact_role",
    "lead_history",
    "contact_history",
    "task",
    "event",
)


def _stamp(moment: str) -> str:
    return f"2026-{moment}.000+0000"


def _next_day_changes(org: Company) -> tuple[dict, dict[str, list[dict]]]:
    """The org on NEXT_DAY: an opportunity moved a stage (and its history row), a task deleted,
    a new lead, and an event stamped before the previous sync ended but committed after it.
    Returns the state and the records each object's daily file must hold."""
    state = copy.deepcopy(org.as_of(HISTORY_END))
    opportunity = next(o for o in state["salesforce/opportunity"] if not o["IsClosed"])
    opportunity.update(
        StageName="Value Proposition",
        Probability=40.0,
        SystemModstamp=_stamp("10-01T10:00:00"),
    )
    history = {
        "attributes": {
            "type": "OpportunityHistory",
            "url": "/services/data/v60.0/sobjects/OpportunityHistory/008000000000009001",
        },
        "Id": "008000000000009001",
        "IsDeleted": False,
        "OpportunityId": opportunity["Id"],
        "StageName": "Value Proposition",
        "Amount": opportunity["Amount"],
        "Probability": 40.0,
        "CloseDate": opportunity["CloseDate"],
        "CreatedDate": _stamp("10-01T10:00:00"),
        "SystemModstamp": _stamp("10-01T10:00:00"),
    }
    state["salesforce/opportunity_history"].append(history)
    task = state["salesforce/task"][3]
    task.update(IsDeleted=True, SystemModstamp=_stamp("10-01T11:00:00"))
    template = next(r for r in state["salesforce/lead"] if not r["IsConverted"])
    lead = copy.deepcopy(template)
    new_id = "00Q000020000099001"
    lead.update(
        attributes={"type": "Lead", "url": f"/services/data/v60.0/sobjects/Lead/{new_id}"},
        Id=new_id,
        Email="new.lead@example.com",
        CreatedDate=_stamp("10-01T12:00:00"),
        SystemModstamp=_stamp("10-01T12:00:00"),
    )
    state["salesforce/lead"].append(lead)
    # Stamped 23:55 on HISTORY_END, visible only after the first sync: the overlap finds it.
    event = copy.deepcopy(state["salesforce/event"][0])
    late_id = "00U000040000099001"
    event.update(
        attributes={"type": "Event", "url": f"/services/data/v60.0/sobjects/Event/{late_id}"},
        Id=late_id,
        CreatedDate=_stamp("09-30T23:55:00"),
        SystemModstamp=_stamp("09-30T23:55:00"),
    )
    state["salesforce/event"].append(event)
    changes = {
        "opportunity": [opportunity],
        "opportunity_history": [history],
        "task": [task],
        "lead": [lead],
        "event": [event],
    }
    return state, changes


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Company]:
    return generated_org(tmp_path_factory)


@pytest.fixture(scope="module")
def fake(org) -> Iterator[tuple[FakeSalesforce, str]]:
    api = FakeSalesforce(org[1].as_of(HISTORY_END), CLIENT_ID, CLIENT_SECRET)
    with serve(api) as url:
        yield api, url


def _landing_with_mapping(folder: Path, landing: Path) -> Path:
    """A landing folder holding the org's crm/mapping.yml (its custom fields) and FX rates."""
    (landing / "crm").mkdir(parents=True)
    shutil.copyfile(folder / "crm" / "mapping.yml", landing / "crm" / "mapping.yml")
    shutil.copytree(folder / "billing" / "fx_rates", landing / "billing" / "fx_rates")
    return landing


def test_a_full_then_a_daily_sync_land_the_orgs_records_and_its_changes(org, fake, tmp_path):
    folder, generated = org
    api, url = fake
    landing = _landing_with_mapping(folder, tmp_path / "landing")
    api.load(generated.as_of(HISTORY_END))
    api.reset()
    api.max_batch = 50  # Salesforce may answer fewer records than asked: pages
    full = SalesforceConnector(url, CLIENT_ID, CLIENT_SECRET, landing, FAST).sync(HISTORY_END)
    assert full == {
        "user_role": 8,
        "user": 8,
        "account": 20,
        "contact": 18,
        "opportunity": 4,
        "lead": 225,
        "opportunity_history": 7,
        "opportunity_contact_role": 7,
        "lead_history": 253,
        "contact_history": 18,
        "task": 71,
        "event": 10,
    }
    # One token, a describe and a query per object, and the further pages of leads (225 in
    # pages of 50: 4 more), lead history (253: 5 more) and tasks (71: 1 more).
    assert api.total_requests() == 1 + 12 + 12 + 4 + 5 + 1
    assert api.requests["GET /services/data/v60.0/query"] == 12

    state, changes = _next_day_changes(generated)
    api.load(state)
    api.reset()
    daily = SalesforceConnector(url, CLIENT_ID, CLIENT_SECRET, landing, FAST)
    assert daily.sync(NEXT_DAY) == {name: len(changes.get(name, [])) for name in SF_OBJECTS}
    # A daily sync reads every object once through queryAll (deletions included), no page more.
    assert dict(api.requests) == {
        "POST /services/oauth2/token": 1,
        "GET /services/data/v60.0/queryAll": 12,
        **{
            f"GET /services/data/v60.0/sobjects/{name}/describe": 1
            for name in (
                "UserRole",
                "User",
                "Account",
                "Contact",
                "Opportunity",
                "Lead",
                "OpportunityHistory",
                "OpportunityContactRole",
                "LeadHistory",
                "ContactHistory",
                "Task",
                "Event",
            )
        },
    }

    # What the sync must stand for: the generator's own files as the first day's, and the
    # changes as the next day's.
    expected = _landing_with_mapping(folder, tmp_path / "expected")
    for name in SF_OBJECTS:
        first_day = expected / "salesforce" / name / f"date={HISTORY_END}"
        first_day.mkdir(parents=True)
        shutil.copyfile(
            folder / "salesforce" / name / "part-0000.jsonl", first_day / "part-0000.jsonl"
        )
    for name, records in changes.items():
        daily_file = expected / "salesforce" / name / f"date={NEXT_DAY}" / "part-0000.jsonl"
        daily_file.parent.mkdir(parents=True)
        daily_file.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    synced = raw_tables(landing, tmp_path / "synced.duckdb", crm="salesforce")
    assert synced == raw_tables(expected, tmp_path / "expected.duckdb", crm="salesforce")
    assert len(synced["salesforce_lead"]) == 226 and len(synced["salesforce_event"]) == 11
    deleted = [t for t in synced["salesforce_task"] if t["IsDeleted"] == "true"]
    assert [t["Id"] for t in deleted] == [changes["task"][0]["Id"]]

    before = landing_bytes(landing)
    api.reset()
    assert (
        SalesforceConnector(url, CLIENT_ID, CLIENT_SECRET, landing, FAST).sync(NEXT_DAY)["lead"]
        == 1
    )
    assert landing_bytes(landing) == before


def test_the_sync_asset_reads_its_credentials_from_the_environment_and_logs_none(
    org, fake, tmp_path, monkeypatch
):
    import dagster as dg

    from dagster_project.connectors.assets import SalesforceResource, connector_resources
    from dagster_project.connectors.assets import salesforce_sync as sync_asset
    from dagster_project.resources import WarehouseResource

    folder, generated = org
    api, url = fake
    api.load(generated.as_of(HISTORY_END))
    api.reset()
    landing = _landing_with_mapping(folder, tmp_path / "landing")
    monkeypatch.setenv("SALESFORCE_INSTANCE_URL", url)
    monkeypatch.setenv("SALESFORCE_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("SALESFORCE_CLIENT_SECRET", CLIENT_SECRET)
    resource = connector_resources()["salesforce"]
    assert isinstance(resource, SalesforceResource)
    warehouse = WarehouseResource(
        database=str(tmp_path / "build.duckdb"),
        landing_dir=str(landing),
        published_database=str(tmp_path / "revops.duckdb"),
        as_of_date=HISTORY_END.isoformat(),
    )
    result = dg.materialize(
        [sync_asset], resources={"warehouse": warehouse, "salesforce": resource}
    )
    metadata = result.asset_materializations_for_node("connectors__salesforce_sync")[0].metadata
    assert metadata["records"].value["lead"] == 225 and metadata["requests"].value == 25
    logged = " ".join(
        str(event.message) + str(event.event_specific_data) for event in result.all_events
    )
    assert CLIENT_SECRET not in logged and CLIENT_SECRET not in str(landing_bytes(landing))
