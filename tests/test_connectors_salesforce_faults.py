"""What the Salesforce connector does when the org misbehaves: 429 (its Retry-After waited),
503 and reset connections retried within the bound; a 500, a refused client or session, the
daily request limit, a looping page locator, a malformed page and a mapped field the org lacks
fail at once, naming the object, without the secret, writing nothing."""

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
from dagster_project.connectors.salesforce import SalesforceConnector
from generator.fake_apis.company import Company
from generator.fake_apis.salesforce import FakeSalesforce
from generator.fake_apis.server import serve
from generator.write_salesforce import _mapping_yaml
from tests.connector_company import FAST, HISTORY_END, generated_org, landing_bytes

CLIENT_ID, CLIENT_SECRET = "3MVG9planted.client.id", "planted-client-secret-8d1f"
# A full sync with the org's page size: one token, a describe and a query per object.
FULL = 1 + 12 + 12


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Company]:
    return generated_org(tmp_path_factory)


@pytest.fixture
def fake(org) -> Iterator[tuple[FakeSalesforce, str]]:
    api = FakeSalesforce(org[1].as_of(HISTORY_END), CLIENT_ID, CLIENT_SECRET)
    with serve(api) as url:
        yield api, url


def _sync(url: str, landing: Path, settings=FAST, secret: str = CLIENT_SECRET) -> dict[str, int]:
    return SalesforceConnector(url, CLIENT_ID, secret, landing, settings).sync(HISTORY_END)


def test_429_503_and_a_reset_are_retried_and_retry_after_is_waited(fake, tmp_path):
    api, url = fake
    # The token request meets all three, one after the other: four attempts of five.
    api.faults.rate_limited, api.faults.server_errors, api.faults.connection_resets = 1, 1, 1
    assert _sync(url, tmp_path / "storm")["lead"] == 225
    assert api.total_requests() == FULL + 3
    api.reset()
    api.faults.rate_limited, api.faults.retry_after_seconds = 1, 1
    began = time.perf_counter()
    _sync(url, tmp_path / "patient", replace(FAST, max_delay_seconds=5.0))
    assert time.perf_counter() - began >= 1.0  # the second asked for, not FAST's 10 ms
    assert api.total_requests() == FULL + 1


def test_past_the_bound_a_503_storm_fails_naming_the_request(fake, tmp_path):
    api, url = fake
    api.faults.server_errors = 99
    with pytest.raises(RetriesExhausted, match="Salesforce token: still failing after 3 attempts"):
        _sync(url, tmp_path, replace(FAST, max_attempts=3))
    assert api.total_requests() == 3 and landing_bytes(tmp_path) == {}


def test_a_500_is_not_retried_and_names_object_and_status(fake, tmp_path):
    api, url = fake
    api.internal_errors = 1  # the first API request after the token: UserRole's describe
    with pytest.raises(
        SyncError, match="Salesforce describe UserRole: HTTP 500: .*UNKNOWN_EXCEPTION"
    ):
        _sync(url, tmp_path)
    assert api.total_requests() == 2 and landing_bytes(tmp_path) == {}


def test_a_refused_client_or_session_fails_naming_the_variables_not_the_secret(fake, tmp_path):
    api, url = fake
    with pytest.raises(AuthenticationError) as refused:
        _sync(url, tmp_path, secret="not-the-secret")
    message = str(refused.value)
    assert "SALESFORCE_CLIENT_ID / SALESFORCE_CLIENT_SECRET (HTTP 400)" in message
    assert "not-the-secret" not in message and CLIENT_ID not in message
    assert api.total_requests() == 1
    # A session refused after a new token: token, describe, token again, describe again.
    api.reset()
    api.refuse_sessions = True
    with pytest.raises(AuthenticationError, match=r"\(HTTP 401\)") as expired:
        _sync(url, tmp_path)
    assert CLIENT_SECRET not in str(expired.value) and expired.value.__cause__ is None
    assert api.total_requests() == 4 and landing_bytes(tmp_path) == {}


def test_the_daily_request_limit_fails_at_once(fake, tmp_path):
    api, url = fake
    api.faults.daily_limit = True
    with pytest.raises(SyncError, match="daily API request limit is spent"):
        _sync(url, tmp_path)
    assert api.total_requests() == 1


def test_a_looping_locator_or_a_malformed_page_stops_the_sync(fake, tmp_path):
    api, url = fake
    api.max_batch, api.looping_locator = 50, True
    # Leads (the sixth object) are the first with more pages: the second names itself again.
    looped = r"Salesforce query Lead: .* cursor '/services/.*-0': 100 of 225 records and not done"
    with pytest.raises(MalformedPage, match=looped):
        _sync(url, tmp_path)
    assert api.total_requests() == 1 + 6 + 6 + 1
    api.reset()
    api.faults.malformed_at = 3  # the third answer (token, UserRole's describe): its query
    with pytest.raises(MalformedPage, match="Salesforce query UserRole: .*not JSON"):
        _sync(url, tmp_path)
    assert landing_bytes(tmp_path) == {}


def test_a_mapped_field_the_org_lacks_fails_naming_the_mapping_line(fake, tmp_path):
    _, url = fake
    mapping = tmp_path / "crm" / "mapping.yml"
    mapping.parent.mkdir()
    mapping.write_text(_mapping_yaml().replace("MEDDIC_Champion__c", "Champion__c"), "utf-8")
    line = mapping.read_text("utf-8").splitlines().index("    meddic_champion: Champion__c") + 1
    with pytest.raises(SyncError, match=f"Opportunity has no field Champion__c, .* line {line}"):
        _sync(url, tmp_path)
    assert not (tmp_path / "salesforce").exists()
