"""The connectors' syncs against the fake HubSpot and Stripe serving a generated company: a full
then daily syncs land what the generator exported, a daily sync fetches only what changed, a
second sync of a day writes the same files, and a sync killed half-way resumes cleanly."""

from __future__ import annotations

import copy
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from dagster_project.connectors.errors import RetriesExhausted
from dagster_project.connectors.settings import SyncSettings
from dagster_project.connectors.sync_state import SyncState
from generator.fake_apis.company import Company
from tests.connector_company import (
    FAST,
    HISTORY_END,
    NEXT_DAY,
    Apis,
    connectors,
    generated_company,
    landing_bytes,
    oldest_event_of_first_sync,
    raw_tables,
    serve_day,
    serving,
    sync,
)


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Company]:
    return generated_company(tmp_path_factory)


@pytest.fixture(scope="module")
def apis(company: tuple[Path, Company]) -> Iterator[Apis]:
    with serving(company[1]) as served:
        yield served


def test_a_full_then_daily_syncs_land_what_the_generator_exported(company, apis, tmp_path):
    folder, generated = company
    hubspot, _, stripe, _ = apis
    landing = tmp_path / "landing"
    for day in generated.days():
        serve_day(apis, generated.as_of(day), day)
        # Small limits, so the search splits its window and invoices page their lines.
        hubspot.search_limit = 50
        stripe.embedded_lines = 1
        connector_hubspot, connector_stripe = connectors(apis, landing)
        connector_hubspot.search_limit = 50
        connector_hubspot.sync(day)
        connector_stripe.sync(day)
        if day == HISTORY_END:
            full = dict(hubspot.requests) | dict(stripe.requests)
    assert full["POST /crm/v3/objects/contacts/search"] > 231 // 50  # the window was split
    assert any(path.endswith("/lines") for path in full)

    shutil.copytree(folder / "billing" / "fx_rates", landing / "billing" / "fx_rates")
    synced = raw_tables(landing, tmp_path / "synced.duckdb")
    exported = raw_tables(folder, tmp_path / "exported.duckdb")
    # HubSpot owners carry no role or quota (crm/reps.csv gives them).
    for owner in exported["crm_owners"]:
        owner["properties"].update(role=None, quarterly_quota_eur=None)
    # Stripe keeps 30 days of events: the first sync reaches back that far.
    oldest = oldest_event_of_first_sync()
    events = exported["billing_subscription_events"]
    exported["billing_subscription_events"] = [e for e in events if int(e["created"]) >= oldest]
    assert 0 < len(exported["billing_subscription_events"]) < len(events)
    assert synced == exported
    assert {table: len(rows) for table, rows in synced.items()} == {
        "crm_owners": 8,
        "crm_companies": 20,
        "crm_contacts": 232,
        "crm_deals": 4,
        "crm_engagements": 81,
        "billing_customers": 11,
        "billing_subscriptions": 11,
        "billing_subscription_events": 1,
        "billing_invoices": 26,
        "billing_credit_notes": 2,
        "billing_fx_rates": len(exported["billing_fx_rates"]),
    }


def _next_day_with_changes(company: Company) -> tuple[dict, str]:
    """The generator's next day, plus a deal stage move and a seat change at 10:00 that day."""
    state = copy.deepcopy(company.as_of(NEXT_DAY))
    moment = datetime(2026, 10, 1, 10, tzinfo=UTC)
    deal = state["crm/deals"][0]
    deal["updatedAt"] = moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    deal["properties"]["dealstage"] = "demo"
    history = deal["propertiesWithHistory"]["dealstage"]
    history.insert(0, {"value": "demo", "timestamp": deal["updatedAt"], "sourceType": "CRM_UI"})
    subscription = next(s for s in state["billing/subscriptions"] if s["status"] == "active")
    subscription["items"]["data"][0]["quantity"] += 1
    state["billing/subscription_events"].append(
        {
            "id": "evt_seat_change",
            "object": "event",
            "type": "customer.subscription.updated",
            "created": int(moment.timestamp()),
            "data": {"object": copy.deepcopy(subscription)},
        }
    )
    return state, subscription["id"]


def test_a_daily_sync_fetches_only_what_changed_and_a_second_sync_of_the_day_writes_the_same_files(
    company, apis, tmp_path
):
    _, generated = company
    hubspot, _, stripe, _ = apis
    landing = tmp_path / "landing"
    serve_day(apis, generated.as_of(HISTORY_END), HISTORY_END)
    sync(apis, landing, HISTORY_END)
    # A full sync: every list and search, batches of 100 (reads) and 1000 (associations).
    assert hubspot.total_requests() == 28 and stripe.total_requests() == 10

    changed_state, subscription_id = _next_day_with_changes(generated)
    serve_day(apis, changed_state, NEXT_DAY)
    written = sync(apis, landing, NEXT_DAY)
    assert written == {
        "crm": {"owners": 0, "companies": 0, "contacts": 1, "deals": 1, "engagements": 0},
        "billing": {
            "customers": 0,
            "invoices": 0,
            "credit_notes": 0,
            "subscription_events": 1,
            "subscriptions": 1,
        },
    }
    # One search per object type (engagements: calls, emails, meetings), one list of owners;
    # the new contact and the moved deal read in one batch each, the deal's associations; and
    # one list of archived records per object type and of archived owners (none archived).
    assert dict(hubspot.requests) == {
        "GET /crm/v3/owners": 3,
        "GET /crm/v3/objects/companies": 1,
        "GET /crm/v3/objects/contacts": 1,
        "GET /crm/v3/objects/deals": 1,
        "GET /crm/v3/objects/calls": 1,
        "GET /crm/v3/objects/emails": 1,
        "GET /crm/v3/objects/meetings": 1,
        "POST /crm/v3/objects/companies/search": 1,
        "POST /crm/v3/objects/contacts/search": 1,
        "POST /crm/v3/objects/contacts/batch/read": 1,
        "POST /crm/v3/objects/deals/search": 1,
        "POST /crm/v3/objects/deals/batch/read": 1,
        "POST /crm/v4/associations/deals/companies/batch/read": 1,
        "POST /crm/v4/associations/deals/contacts/batch/read": 1,
        "POST /crm/v3/objects/calls/search": 1,
        "POST /crm/v3/objects/emails/search": 1,
        "POST /crm/v3/objects/meetings/search": 1,
    }
    # Nothing created that day; one new event, whose subscription is read at its new state.
    assert dict(stripe.requests) == {
        "GET /v1/customers": 1,
        "GET /v1/invoices": 1,
        "GET /v1/credit_notes": 1,
        "GET /v1/events": 1,
        f"GET /v1/subscriptions/{subscription_id}": 1,
    }

    before = landing_bytes(landing)
    serve_day(apis, changed_state, NEXT_DAY)
    assert sync(apis, landing, NEXT_DAY) == written
    assert landing_bytes(landing) == before


def test_a_sync_killed_mid_pagination_resumes_without_gaps_or_duplicates(
    company, apis, tmp_path, monkeypatch
):
    _, generated = company
    hubspot, _, stripe, _ = apis
    reference, landing = tmp_path / "reference", tmp_path / "landing"
    serve_day(apis, generated.as_of(HISTORY_END), HISTORY_END)
    sync(apis, reference, HISTORY_END)

    # The servers die after a few pages; retries cannot help (two attempts).
    serve_day(apis, generated.as_of(HISTORY_END), HISTORY_END)
    hubspot.faults.fail_after, stripe.faults.fail_after = 5, 3
    dying = SyncSettings(max_attempts=2, backoff_seconds=0.01, page_size=FAST.page_size)
    hubspot_connector, stripe_connector = connectors(apis, landing, dying)
    with pytest.raises(RetriesExhausted, match="HubSpot POST /crm/v3/objects/contacts/search"):
        hubspot_connector.sync(HISTORY_END)
    with pytest.raises(RetriesExhausted, match="Stripe GET /v1/invoices: still failing"):
        stripe_connector.sync(HISTORY_END)
    assert landing_bytes(landing) == {}

    # Killed after the files were written, before the cursors moved: the next sync redoes the
    # same window and rewrites the same files.
    serve_day(apis, generated.as_of(HISTORY_END), HISTORY_END)

    def killed(self: SyncState, day: date, cursors: dict) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(SyncState, "advance", killed)
        with pytest.raises(KeyboardInterrupt):
            connectors(apis, landing)[0].sync(HISTORY_END)
    assert not (landing / "crm" / "_sync_state.json").exists()

    sync(apis, landing, HISTORY_END)
    assert landing_bytes(landing) == landing_bytes(reference)
