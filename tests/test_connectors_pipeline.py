"""`api_sync_build` end to end against the fake APIs: the connectors sync, the pipeline builds
and publishes; the planted credentials appear in no log, landing file or warehouse; a run whose
syncs fail past the retry bound changes neither the landing folder nor the published warehouse."""

from __future__ import annotations

import pytest

from dagster_project.run_pipeline import failure_lines
from generator.fake_apis.demo import stage_file_sources, sync_and_build, write_reps
from generator.fake_apis.hubspot import FakeHubSpot
from generator.fake_apis.server import serve
from generator.fake_apis.stripe_api import FakeStripe
from tests.connector_company import (
    HISTORY_END,
    NEXT_DAY,
    STRIPE_KEY,
    TOKEN,
    generated_company,
    landing_bytes,
)

pytestmark = pytest.mark.e2e


def test_a_synced_run_publishes_without_leaking_secrets_and_a_failed_sync_changes_nothing(
    dbt_manifest, tmp_path_factory, tmp_path, monkeypatch, capfd
):
    folder, company = generated_company(tmp_path_factory)
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("STRIPE_API_KEY", STRIPE_KEY)
    landing, data_dir = tmp_path / "landing", tmp_path / "data"
    write_reps(folder, landing)
    stage_file_sources(folder, landing, HISTORY_END, first=True)
    hubspot = FakeHubSpot(company.as_of(HISTORY_END))
    stripe = FakeStripe(company.as_of(HISTORY_END), HISTORY_END)
    hubspot.reset(TOKEN)
    stripe.reset(STRIPE_KEY)
    quick = {"backoff_seconds": 0.01}
    with serve(hubspot) as hubspot_url, serve(stripe) as stripe_url:
        urls = (hubspot_url, stripe_url)
        synced = sync_and_build(data_dir, landing, HISTORY_END, urls, quick)
        assert synced.success, failure_lines(synced)
        assert hubspot.total_requests() == 27 and stripe.total_requests() == 5

        published = (data_dir / "revops.duckdb").read_bytes()
        landed = landing_bytes(landing)
        hubspot.load(company.as_of(NEXT_DAY))
        stripe.load(company.as_of(NEXT_DAY), NEXT_DAY)
        hubspot.faults.server_errors = stripe.faults.server_errors = 99
        failed = sync_and_build(data_dir, landing, NEXT_DAY, urls, {**quick, "max_attempts": 2})
    failures = "\n".join(failure_lines(failed))
    assert not failed.success
    assert "HubSpot GET /crm/v3/owners: still failing after 2 attempts (HTTP 503)" in failures
    assert "Stripe GET /v1/customers: still failing after 2 attempts (HTTP 500)" in failures
    assert (data_dir / "revops.duckdb").read_bytes() == published
    assert landing_bytes(landing) == landed

    # The credentials went to the APIs and nowhere else.
    logs = [str(event) for run in (synced, failed) for event in run.all_events]
    logs += [str(run.dagster_run.run_config) for run in (synced, failed)]
    captured = capfd.readouterr()
    files = [*landed.values(), *(p.read_bytes() for p in data_dir.rglob("*") if p.is_file())]
    for secret in (TOKEN, STRIPE_KEY):
        assert not any(secret in text for text in [*logs, captured.out, captured.err])
        assert not any(secret.encode() in blob for blob in files)
