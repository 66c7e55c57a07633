"""`api_sync_build` end to end against the fake APIs: the connectors sync, the pipeline builds
and publishes the very marts the generator's files build; the planted credentials appear in no
log, landing file or warehouse; a run whose syncs fail past the retry bound changes neither the
landing folder nor the published warehouse."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from dagster_project.run_pipeline import failure_lines
from dagster_project.sql_text import sql_identifier, sql_text
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
    initial_export_as_the_apis_hold_it,
    landing_bytes,
)
from tests.dbt_runs import dbt_command, load_raw, warehouse_file

pytestmark = pytest.mark.e2e


def file_built_marts(generated: Path, work: Path) -> Path:
    """The marts of the same company built from the generator's files: its initial export
    loaded into raw and every model built as of HISTORY_END by dbt alone (no Dagster run, no
    data test: the synced run tested the same rows), ~20 CPU-s on this company."""
    landing = work / "landing"
    initial_export_as_the_apis_hold_it(generated, landing)
    database = warehouse_file(work, "files")
    load_raw(database, landing, datetime(2026, 10, 1, 6), as_of=HISTORY_END)
    args = ("build", "--exclude-resource-type", "unit_test", "--exclude-resource-type", "test")
    built = dbt_command(database, HISTORY_END.isoformat(), *args)
    assert built.returncode == 0, built.stdout[-6000:]
    return database


def marts_differences(published: Path, built: Path) -> tuple[dict[str, int], list[str], list[str]]:
    """Rows per published mart; how `built`'s marts differ (a mart missing on either side, other
    columns, rows one side has and the other has not, counted as multisets); and the lineage
    columns left out of the rows compared (`_`-prefixed: when a row was loaded, not its data)."""
    differences, rows, lineage = [], {}, []
    with duckdb.connect() as con:
        con.execute(f"attach {sql_text(str(published))} as published (read_only)")
        con.execute(f"attach {sql_text(str(built))} as built (read_only)")

        def marts(catalog: str) -> set[str]:
            listed = con.execute(
                "select table_name from duckdb_tables() "
                f"where database_name = {sql_text(catalog)} and schema_name = 'marts'"
            ).fetchall()
            return {name for (name,) in listed}

        served, files = marts("published"), marts("built")
        differences += [f"{name}: not built from the files" for name in sorted(served - files)]
        differences += [f"{name}: not published" for name in sorted(files - served)]
        for name in sorted(served & files):
            left = f"published.marts.{sql_identifier(name)}"
            right = f"built.marts.{sql_identifier(name)}"
            columns = con.sql(f"from {left}").columns
            if columns != con.sql(f"from {right}").columns:
                differences.append(f"{name}: other columns")
                continue
            lineage += [f"{name}.{c}" for c in columns if c.startswith("_")]
            compared = ", ".join(sql_identifier(c) for c in columns if not c.startswith("_"))
            rows[name] = con.execute(f"select count(*) from {left}").fetchone()[0]
            for a, b, side in ((left, right, "synced"), (right, left, "file-built")):
                extra = con.execute(
                    f"select count(*) from (select {compared} from {a} "
                    f"except all select {compared} from {b})"
                ).fetchone()[0]
                if extra:
                    differences.append(f"{name}: {extra} rows only in the {side} marts")
    return rows, differences, lineage


def test_a_synced_run_publishes_the_file_built_marts_and_a_failed_sync_changes_nothing(
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

    # Every published mart, row for row, is the one the generator's own files build.
    built = file_built_marts(folder, tmp_path / "files")
    rows, differences, lineage = marts_differences(data_dir / "revops.duckdb", built)
    assert differences == []
    assert lineage == ["fct_mrr._source_loaded_at"]
    # Not a comparison of empty tables: every mart holds rows, but the renewals: the company's
    # four months of history (June to September) hold no end of its two yearly terms.
    assert [name for name, count in rows.items() if not count] == ["metrics_renewals_quarterly"]
    assert rows["fct_leads"] == 231 and rows["fct_mrr"] == 33
