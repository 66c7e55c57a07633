"""What changes after the first sync and how the daily syncs land it: records archived in
HubSpot (its deletions), an edited and a deleted Stripe customer, a deleted subscription, and
invoices changing status (open -> void; draft -> open -> paid), each as a new version of the
object in the day's files, which extraction loads as the latest version."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from generator.fake_apis.company import Company
from tests.connector_company import (
    HISTORY_END,
    NEXT_DAY,
    Apis,
    generated_company,
    raw_tables,
    serve_day,
    serving,
    sync,
)

THIRD_DAY = NEXT_DAY + timedelta(days=1)
ARCHIVED_AT = datetime(2026, 10, 1, 10, tzinfo=UTC)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Company]:
    return generated_company(tmp_path_factory)


@pytest.fixture(scope="module")
def apis(generated: tuple[Path, Company]) -> Iterator[Apis]:
    with serving(generated[1]) as served:
        yield served


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _epoch(day: date, hour: int) -> int:
    return int(datetime(day.year, day.month, day.day, hour, tzinfo=UTC).timestamp())


def _event(event_id: str, kind: str, created: int, state: dict[str, Any]) -> dict[str, Any]:
    data = {"object": copy.deepcopy(state)}
    return {"id": event_id, "object": "event", "type": kind, "created": created, "data": data}


def changed_state(company: Company, day: date) -> dict[str, list[dict[str, Any]]]:
    """The company as the APIs hold it at the end of `day`, with these changes on NEXT_DAY:
    HubSpot archives owner 80000008, the first contact and deal, and a call (only its
    `archivedAt` says when); in Stripe, cus_00000001's email is edited, cus_00000000 deleted,
    sub_00000002 deleted, the open invoice in_0000000020 voided and a new invoice drafted; on
    THIRD_DAY the draft is finalized and paid. Stripe's events are served with the
    subscription events (the fake serves one event list)."""
    state = copy.deepcopy(company.as_of(day))
    if day < NEXT_DAY:
        return state
    stamp = _iso(ARCHIVED_AT)
    owner = next(o for o in state["crm/owners"] if o["id"] == "80000008")
    owner.update(archived=True, updatedAt=stamp)
    call = next(
        e for e in state["crm/engagements"] if e["properties"]["hs_engagement_type"] == "CALL"
    )
    for record in (state["crm/contacts"][0], state["crm/deals"][0], call):
        record.update(archived=True, archivedAt=stamp)

    at_ten = _epoch(NEXT_DAY, 10)
    customers = {c["id"]: c for c in state["billing/customers"]}
    customers["cus_00000001"]["email"] = "accounts@example.com"
    subscription = next(s for s in state["billing/subscriptions"] if s["id"] == "sub_00000002")
    subscription.update(status="canceled", canceled_at=at_ten, ended_at=at_ten)
    invoices = {i["id"]: i for i in state["billing/invoices"]}
    invoices["in_0000000020"].update(status="void")
    draft = copy.deepcopy(invoices["in_0000000020"])
    draft.update(id="in_new_draft", status="draft", created=_epoch(NEXT_DAY, 9))
    for number, line in enumerate(draft["lines"]["data"]):
        line["id"] = f"il_new_draft_{number}"  # a line belongs to one invoice
    state["billing/invoices"].append(draft)
    events = state["billing/subscription_events"]
    events += [
        _event("evt_c1", "customer.updated", at_ten, customers["cus_00000001"]),
        _event("evt_c0", "customer.deleted", at_ten, customers["cus_00000000"]),
        _event("evt_s2", "customer.subscription.deleted", at_ten, subscription),
        _event("evt_i20", "invoice.voided", at_ten, invoices["in_0000000020"]),
        _event("evt_draft", "invoice.created", _epoch(NEXT_DAY, 9), draft),
    ]
    state["billing/customers"].remove(customers["cus_00000000"])  # Stripe lists it no more
    if day >= THIRD_DAY:
        draft.update(status="open")
        events.append(_event("evt_open", "invoice.finalized", _epoch(THIRD_DAY, 8), draft))
        draft.update(status="paid", amount_paid=draft["total"], amount_due=0)
        events.append(_event("evt_paid", "invoice.paid", _epoch(THIRD_DAY, 9), draft))
    return state


def landed(landing: Path, system: str, table: str, day: date) -> dict[str, dict[str, Any]]:
    path = landing / system / table / f"date={day.isoformat()}" / "part-0000.jsonl"
    if not path.exists():
        return {}
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return {record["id"]: record for record in records}


def test_deletions_edits_and_status_changes_land_as_new_versions(generated, apis, tmp_path):
    folder, company = generated
    hubspot, _, stripe, _ = apis
    landing = tmp_path / "landing"
    serve_day(apis, changed_state(company, HISTORY_END), HISTORY_END)
    sync(apis, landing, HISTORY_END)

    serve_day(apis, changed_state(company, NEXT_DAY), NEXT_DAY)
    written = sync(apis, landing, NEXT_DAY)
    # The generator's own change that day (a contact's corrected job title) and ours.
    assert written == {
        "crm": {"owners": 1, "companies": 0, "contacts": 2, "deals": 1, "engagements": 1},
        "billing": {
            "subscription_events": 1,
            "customers": 2,
            "invoices": 1,
            "credit_notes": 0,
            "subscriptions": 1,
        },
    }
    # The archived records come from one list per object type (and the archived owners); the
    # Stripe changes from the one page of events, but the deleted subscription's current state.
    assert {k: v for k, v in hubspot.requests.items() if k.startswith("GET")} == {
        "GET /crm/v3/owners": 2,  # the 7 active owners (one page of 7), the archived one
        "GET /crm/v3/objects/companies": 1,
        "GET /crm/v3/objects/contacts": 1,
        "GET /crm/v3/objects/deals": 1,
        "GET /crm/v3/objects/calls": 1,
        "GET /crm/v3/objects/emails": 1,
        "GET /crm/v3/objects/meetings": 1,
    }
    assert dict(stripe.requests) == {
        "GET /v1/events": 1,
        "GET /v1/customers": 1,
        "GET /v1/invoices": 1,
        "GET /v1/credit_notes": 1,
        "GET /v1/subscriptions/sub_00000002": 1,
    }

    contact = company.as_of(NEXT_DAY)["crm/contacts"][0]
    archived = landed(landing, "crm", "contacts", NEXT_DAY)[contact["id"]]
    assert archived["archived"] is True and archived["updatedAt"] == _iso(ARCHIVED_AT)
    assert archived["properties"]["email"] == contact["properties"]["email"]
    assert archived["propertiesWithHistory"] == contact["propertiesWithHistory"]
    deal = company.as_of(NEXT_DAY)["crm/deals"][0]
    archived_deal = landed(landing, "crm", "deals", NEXT_DAY)[deal["id"]]
    assert archived_deal["archived"] is True
    assert archived_deal["associations"]["companies"] == deal["associations"]["companies"]
    assert landed(landing, "crm", "owners", NEXT_DAY)["80000008"]["archived"] is True

    customers = landed(landing, "billing", "customers", NEXT_DAY)
    assert customers["cus_00000001"]["email"] == "accounts@example.com"
    assert customers["cus_00000000"]["deleted"] is True
    assert customers["cus_00000000"]["currency"] == "USD"  # its last state, upper case
    subscription = landed(landing, "billing", "subscriptions", NEXT_DAY)["sub_00000002"]
    assert subscription["status"] == "canceled"
    events = landed(landing, "billing", "subscription_events", NEXT_DAY)
    assert list(events) == ["evt_s2"]  # customer and invoice events are no subscription's
    # The voided invoice is a new version; the draft is no bill yet and waits.
    assert {
        i: r["status"] for i, r in landed(landing, "billing", "invoices", NEXT_DAY).items()
    } == {"in_0000000020": "void"}

    serve_day(apis, changed_state(company, THIRD_DAY), THIRD_DAY)
    written = sync(apis, landing, THIRD_DAY)
    assert written["billing"]["invoices"] == 1 and stripe.total_requests() == 4
    paid = landed(landing, "billing", "invoices", THIRD_DAY)["in_new_draft"]
    assert paid["status"] == "paid" and paid["amount_paid"] == paid["total"] == 27030
    assert paid["currency"] == "GBP" and len(paid["lines"]["data"]) == 2

    # Extraction takes each object's latest version: what the staging models then read.
    shutil.copytree(folder / "billing" / "fx_rates", landing / "billing" / "fx_rates")
    loaded = raw_tables(landing, tmp_path / "loaded.duckdb", as_of=THIRD_DAY)
    raw = {
        table: {row["id"]: row for row in loaded[table]}
        for table in ("crm_contacts", "crm_deals", "billing_customers", "billing_subscriptions")
        + ("billing_invoices",)
    }
    assert raw["crm_contacts"][contact["id"]]["archived"] == "true"  # staging: is_archived
    assert raw["crm_deals"][deal["id"]]["archived"] == "true"
    assert raw["billing_customers"]["cus_00000001"]["email"] == "accounts@example.com"
    assert raw["billing_customers"]["cus_00000000"]["deleted"] == "true"  # an extra column
    assert raw["billing_subscriptions"]["sub_00000002"]["status"] == "canceled"
    assert raw["billing_invoices"]["in_0000000020"]["status"] == "void"
    assert raw["billing_invoices"]["in_new_draft"]["status"] == "paid"
