"""What the connectors do when the APIs misbehave: 429 and 5xx storms and reset connections are
retried within the bound, past it the sync fails naming the endpoint and writes nothing; a
daily limit, a bad credential and a malformed page fail at once, clearly, without the secret."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from dagster_project.connectors.errors import (
    AuthenticationError,
    MalformedPage,
    RetriesExhausted,
    SyncError,
)
from dagster_project.connectors.hubspot import HubSpotConnector
from dagster_project.connectors.stripe_billing import StripeConnector
from generator.fake_apis.company import Company
from generator.fake_apis.hubspot import FakeHubSpot
from generator.fake_apis.server import serve
from generator.fake_apis.stripe_api import FakeStripe
from tests.connector_company import (
    FAST,
    HISTORY_END,
    STRIPE_KEY,
    TOKEN,
    generated_company,
    landing_bytes,
)

# The requests of a full sync of the company with FAST's page size (test_connectors_sync.py).
HUBSPOT_FULL, STRIPE_FULL = 28, 10


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Company]:
    return generated_company(tmp_path_factory)


@pytest.fixture(scope="module")
def hubspot(company) -> Iterator[tuple[FakeHubSpot, str]]:
    api = FakeHubSpot(company[1].as_of(HISTORY_END))
    with serve(api) as url:
        yield api, url


@pytest.fixture(scope="module")
def stripe(company) -> Iterator[tuple[FakeStripe, str]]:
    api = FakeStripe(company[1].as_of(HISTORY_END), HISTORY_END)
    with serve(api) as url:
        yield api, url


def test_hubspot_rides_out_a_storm_within_the_retry_bound_honouring_retry_after(hubspot, tmp_path):
    api, url = hubspot
    api.reset(TOKEN)
    # The first request meets all three, one after the other: four attempts of five.
    api.faults.rate_limited, api.faults.server_errors, api.faults.connection_resets = 1, 2, 1
    HubSpotConnector(url, TOKEN, tmp_path, FAST).sync(HISTORY_END)
    assert api.total_requests() == HUBSPOT_FULL + 4  # each fault cost one more request
    # One 429 asking for a second's wait: the client waits it, not its own 10 ms backoff (up to
    # its longest wait: FAST's 50 ms would cut it short, the default is a minute). The whole sync
    # takes a fraction of a second otherwise.
    api.reset(TOKEN)
    api.faults.rate_limited, api.faults.retry_after_seconds = 1, 1
    began = time.perf_counter()
    patient = replace(FAST, max_delay_seconds=5.0)
    HubSpotConnector(url, TOKEN, tmp_path / "again", patient).sync(HISTORY_END)
    assert time.perf_counter() - began >= 1.0
    assert api.total_requests() == HUBSPOT_FULL + 1


def test_stripe_rides_out_a_storm_within_the_retry_bound(stripe, tmp_path):
    api, url = stripe
    api.reset(STRIPE_KEY)
    # Stripe's SDK waits at least half a second per retry: a short storm.
    api.faults.rate_limited, api.faults.server_errors, api.faults.connection_resets = 1, 1, 1
    written = StripeConnector(url, STRIPE_KEY, tmp_path, FAST).sync(HISTORY_END)
    assert written["invoices"] == 26
    assert api.total_requests() == STRIPE_FULL + 3


@pytest.mark.parametrize("fault", ["server_errors", "rate_limited", "connection_resets"])
def test_past_the_bound_the_sync_fails_naming_the_endpoint_and_writes_nothing(
    fault, hubspot, stripe, tmp_path
):
    bounded = replace(FAST, max_attempts=3)
    for (api, url), connector, secret, endpoint in (
        (hubspot, HubSpotConnector, TOKEN, "HubSpot GET /crm/v3/owners"),
        (stripe, StripeConnector, STRIPE_KEY, "Stripe GET /v1/customers"),
    ):
        api.reset(secret)
        setattr(api.faults, fault, 99)
        with pytest.raises(RetriesExhausted, match=f"{endpoint}: still failing after 3 attempts"):
            connector(url, secret, tmp_path, bounded).sync(HISTORY_END)
        assert api.total_requests() == 3
    assert landing_bytes(tmp_path) == {}


def test_slow_pages_past_the_timeout_are_retried_then_fail(hubspot, tmp_path, capfd):
    api, url = hubspot
    api.reset(TOKEN)
    api.faults.slow_seconds = 0.3
    impatient = replace(FAST, max_attempts=2, timeout_seconds=0.1)
    with pytest.raises(RetriesExhausted, match="HubSpot GET /crm/v3/owners: .* 2 attempts"):
        HubSpotConnector(url, TOKEN, tmp_path, impatient).sync(HISTORY_END)
    assert api.total_requests() == 2 and landing_bytes(tmp_path) == {}
    # Both late answers found the connection closed: the server let them go quietly.
    waited = time.monotonic() + 10
    while api.dropped < 2 and time.monotonic() < waited:
        time.sleep(0.05)
    assert api.dropped == 2
    assert "Traceback" not in capfd.readouterr().err


def test_hubspot_daily_limit_fails_at_once(hubspot, tmp_path):
    api, url = hubspot
    api.reset(TOKEN)
    api.faults.daily_limit = True
    with pytest.raises(SyncError, match="daily API limit is spent"):
        HubSpotConnector(url, TOKEN, tmp_path, FAST).sync(HISTORY_END)
    assert api.total_requests() == 1


def test_a_bad_credential_fails_at_once_naming_the_variable_not_the_secret(
    hubspot, stripe, tmp_path
):
    for (api, url), connector, secret, variable in (
        (hubspot, HubSpotConnector, TOKEN, "HUBSPOT_ACCESS_TOKEN"),
        (stripe, StripeConnector, STRIPE_KEY, "STRIPE_API_KEY"),
    ):
        api.reset("the-right-one")
        with pytest.raises(AuthenticationError) as failure:
            connector(url, secret, tmp_path, FAST).sync(HISTORY_END)
        message = str(failure.value)
        assert variable in message and "HTTP 401" in message and secret not in message
        assert failure.value.__cause__ is None and failure.value.__suppress_context__
        assert api.total_requests() == 1
    assert landing_bytes(tmp_path) == {}


def test_a_malformed_page_fails_naming_the_endpoint_and_cursor(hubspot, stripe, tmp_path):
    hubspot_api, hubspot_url = hubspot
    hubspot_api.reset(TOKEN)
    hubspot_api.faults.malformed_at = 2  # the owners' second page, after 7 owners
    with pytest.raises(
        MalformedPage, match="HubSpot GET /crm/v3/owners: malformed page at cursor '7'"
    ):
        HubSpotConnector(hubspot_url, TOKEN, tmp_path, FAST).sync(HISTORY_END)
    stripe_api, stripe_url = stripe
    stripe_api.reset(STRIPE_KEY)
    stripe_api.faults.malformed_at = 2  # the customers' second page, after the 7th newest
    seventh = stripe_api.lists["customers"][6]["id"]
    with pytest.raises(
        MalformedPage, match=f"Stripe GET /v1/customers: malformed page at cursor '{seventh}'"
    ):
        StripeConnector(stripe_url, STRIPE_KEY, tmp_path, FAST).sync(HISTORY_END)
    assert landing_bytes(tmp_path) == {}
