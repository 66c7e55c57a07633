"""The company the connector tests serve through the fake APIs, and how they compare landings.

A small generated company (20 CRM accounts, four months of history, two daily increments),
generated once per test session and shared by the connector test files.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dagster_project.connectors.hubspot import HubSpotConnector
from dagster_project.connectors.settings import SyncSettings
from dagster_project.connectors.stripe_billing import StripeConnector
from dagster_project.extraction.loader import load_source_table
from dagster_project.source_catalog import CrmSource
from generator.fake_apis.company import (
    SALESFORCE_SERVED_TABLES,
    SERVED_TABLES,
    Company,
    load_company,
)
from generator.fake_apis.hubspot import SEARCH_LIMIT, FakeHubSpot
from generator.fake_apis.server import serve
from generator.fake_apis.stripe_api import EMBEDDED_LINES, EVENT_RETENTION, FakeStripe
from tests.dbt_runs import tables_in_load_order
from tests.shared_fixtures import build_once

HISTORY_END = date(2026, 9, 30)
NEXT_DAY = date(2026, 10, 1)
TOKEN = "pat-na1-planted-7f3c9a1e-token"
STRIPE_KEY = "rk_test_planted_51Hq8Zsecretkey"
# Waits shortened: the fake servers answer at once, and a test waits on every retry.
FAST = SyncSettings(backoff_seconds=0.01, max_delay_seconds=0.05, page_size=7)


def generated_company(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Company]:
    def generate_company(folder: Path) -> None:
        from generator.cli import main

        main(
            ["--size", "20", "--seed", "3", "--start", "2026-06-01", "--end", str(HISTORY_END)]
            + ["--days", "2", "--out", str(folder)]
        )

    folder, _ = build_once(tmp_path_factory, "connector_company", generate_company)
    return folder, load_company(folder, HISTORY_END)


def generated_org(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Company]:
    """The same company as a Salesforce org (its initial export: an org has no increments)."""

    def generate_org(folder: Path) -> None:
        from generator.cli import main

        main(
            ["--size", "20", "--seed", "3", "--start", "2026-06-01", "--end", str(HISTORY_END)]
            + ["--crm", "salesforce", "--out", str(folder)]
        )

    folder, _ = build_once(tmp_path_factory, "connector_org", generate_org)
    return folder, load_company(folder, HISTORY_END, SALESFORCE_SERVED_TABLES)


# The fake HubSpot and its URL, the fake Stripe and its URL.
Apis = tuple[FakeHubSpot, str, FakeStripe, str]


@contextmanager
def serving(company: Company) -> Iterator[Apis]:
    """Both fake APIs on loopback, serving the company as of HISTORY_END."""
    state = company.as_of(HISTORY_END)
    hubspot, stripe = FakeHubSpot(state), FakeStripe(state, HISTORY_END)
    with serve(hubspot) as hubspot_url, serve(stripe) as stripe_url:
        yield hubspot, hubspot_url, stripe, stripe_url


def serve_day(apis: Apis, state: dict, day: date) -> None:
    """Serve `state` as the APIs hold it at the end of `day`: no fault, no request counted."""
    hubspot, _, stripe, _ = apis
    hubspot.load(state)
    stripe.load(state, day)
    hubspot.search_limit, stripe.embedded_lines = SEARCH_LIMIT, EMBEDDED_LINES
    hubspot.reset(TOKEN)
    stripe.reset(STRIPE_KEY)


def connectors(
    apis: Apis, landing: Path, settings: SyncSettings = FAST
) -> tuple[HubSpotConnector, StripeConnector]:
    _, hubspot_url, _, stripe_url = apis
    return (
        HubSpotConnector(hubspot_url, TOKEN, landing, settings),
        StripeConnector(stripe_url, STRIPE_KEY, landing, settings),
    )


def sync(apis: Apis, landing: Path, day: date, settings: SyncSettings = FAST) -> dict:
    """Both connectors' sync of `day`: records written per system and table."""
    hubspot, stripe = connectors(apis, landing, settings)
    return {"crm": hubspot.sync(day), "billing": stripe.sync(day)}


def raw_tables(
    landing: Path, database: Path, as_of: date = NEXT_DAY, crm: CrmSource = "hubspot"
) -> dict[str, list[dict[str, Any]]]:
    """The served tables (and FX rates) loaded by extraction itself, latest version per key,
    meta columns dropped and JSON parsed (key order inside a JSON value does not count)."""
    # FX rates are no API's: the landing holds them as files, and the currency rule reads them.
    fetched = SERVED_TABLES if crm == "hubspot" else SALESFORCE_SERVED_TABLES
    served = {t.replace("/", "_") for t in fetched} | {"billing_fx_rates"}
    loaded_at = datetime(as_of.year, as_of.month, as_of.day, 6) + timedelta(days=1)
    tables = {}
    with duckdb.connect(str(database)) as con:
        for table in tables_in_load_order(crm):
            if table.raw_table not in served:
                continue
            load_source_table(con, table, landing, loaded_at, None, as_of=as_of, crm=crm)
            relation = con.sql(f"select * from raw.{table.raw_table}")
            columns = [c for c in relation.columns if not c.startswith("_")]
            types = dict(zip(relation.columns, relation.types, strict=True))
            rows = []
            for values in relation.select(*columns).fetchall():
                row = {
                    c: json.loads(v) if str(types[c]) == "JSON" and v is not None else v
                    for c, v in zip(columns, values, strict=True)
                }
                rows.append(row)
            tables[table.raw_table] = sorted(
                rows, key=lambda r: json.dumps(r, default=str, sort_keys=True)
            )
    return tables


def landing_bytes(landing: Path) -> dict[str, bytes]:
    """Every file under a landing folder, by relative path (state files included)."""
    return {
        p.relative_to(landing).as_posix(): p.read_bytes()
        for p in sorted(landing.rglob("*"))
        if p.is_file()
    }


def oldest_event_of_first_sync() -> int:
    """The oldest subscription event a first sync as of HISTORY_END can fetch: Stripe keeps 30
    days of events (the invoices carry the billing history before them)."""
    first_end = datetime(NEXT_DAY.year, NEXT_DAY.month, NEXT_DAY.day, tzinfo=UTC)
    return int((first_end - EVENT_RETENTION).timestamp())


def initial_export_as_the_apis_hold_it(generated: Path, landing: Path) -> None:
    """The generator's initial export (no daily increment) copied to `landing`, its subscription
    events cut to those a first sync can fetch: the files a sync as of HISTORY_END stands for."""
    for path in sorted(generated.glob("*/*/part-*")):
        target = landing / path.relative_to(generated)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    oldest = oldest_event_of_first_sync()
    for path in sorted((landing / "billing" / "subscription_events").glob("part-*.jsonl")):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        path.write_text(
            "".join(line for line in lines if json.loads(line)["created"] >= oldest),
            encoding="utf-8",
        )
