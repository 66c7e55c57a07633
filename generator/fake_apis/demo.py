"""`make demo-api`: the whole path from the APIs to the published warehouse, on loopback.

Generates a sample company, serves its CRM through a fake HubSpot (or, when the company's CRM is
Salesforce, `REVOPS_CRM_SOURCE=salesforce` as `make demo-api CRM=salesforce` sets it, a fake
Salesforce org) and its billing through a fake Stripe, then runs `api_sync_build` twice: the
first landing day (a full sync) and the next (a daily sync). Marketing, product and success data
and FX rates stay files (no API here): they are copied into the landing folder by day, as an
export job would drop them. Prints each sync's requests and records per second, and the
published headline.

Usage: python -m generator.fake_apis.demo [--size N] [--seed N] [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import dagster as dg

from dagster_project.source_catalog import CrmSource
from generator.fake_apis.company import (
    SALESFORCE_SERVED_TABLES,
    SERVED_TABLES,
    Company,
    load_company,
)
from generator.fake_apis.hubspot import FakeHubSpot
from generator.fake_apis.salesforce import FakeSalesforce
from generator.fake_apis.server import serve
from generator.fake_apis.stripe_api import FakeStripe

HISTORY_END = date(2026, 9, 30)
DEMO_TOKEN = "demo-hubspot-private-app-token"
DEMO_KEY = "rk_test_demo_stripe_key"
DEMO_CLIENT = ("demo-salesforce-client-id", "demo-salesforce-client-secret")
# What the fake APIs serve of the generated landing: the CRM's tables, then Stripe's.
STRIPE_TABLES = tuple(t for t in SERVED_TABLES if t.startswith("billing/"))
CRM_TABLES: dict[CrmSource, tuple[str, ...]] = {
    "hubspot": tuple(t for t in SERVED_TABLES if t not in STRIPE_TABLES),
    "salesforce": SALESFORCE_SERVED_TABLES,
}


def stage_file_sources(generated: Path, landing: Path, day: date, first: bool) -> None:
    """Copy the sources no API delivers into `landing`: on the first day, the initial export
    (into `date=<day>/`, landed with the synced data); later, that day's increment."""
    served = {*SERVED_TABLES, *SALESFORCE_SERVED_TABLES}
    folders = (p for p in generated.glob("*/*") if p.is_dir() and not p.parent.name.startswith("."))
    for table in sorted(p.relative_to(generated) for p in folders):
        if table.as_posix() in served:
            continue
        source = generated / table
        files = (
            [p for p in source.iterdir() if p.is_file()]
            if first
            else sorted((source / f"date={day}").glob("*"))
        )
        for path in files:
            target = landing / table / f"date={day}" / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


def write_reps(generated: Path, landing: Path) -> None:
    """crm/reps.csv from the generator's owners: HubSpot owners carry no role, team or quota,
    so a company writes them here (docs/sources.md)."""
    import json

    rows = []
    with (generated / "crm" / "owners" / "part-0000.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            props = json.loads(line)["properties"]
            rows.append(
                [props["email"], props["role"], props["team"], props["quarterly_quota_eur"] or ""]
            )
    (landing / "crm").mkdir(parents=True, exist_ok=True)
    with (landing / "crm" / "reps.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "role", "team", "quarterly_quota_eur"])
        writer.writerows(rows)


def _crm_resource(crm: CrmSource, url: str) -> dg.ConfigurableResource:
    from dagster_project.connectors.assets import HubSpotResource, SalesforceResource
    from dagster_project.connectors.hubspot import TOKEN_ENV
    from dagster_project.connectors.salesforce import CLIENT_ID_ENV, CLIENT_SECRET_ENV

    if crm == "salesforce":
        return SalesforceResource(
            instance_url=url,
            client_id=dg.EnvVar(CLIENT_ID_ENV),
            client_secret=dg.EnvVar(CLIENT_SECRET_ENV),
        )
    return HubSpotResource(access_token=dg.EnvVar(TOKEN_ENV), base_url=url)


def sync_and_build(
    data_dir: Path,
    landing: Path,
    day: date,
    urls: tuple[str, str],
    sync_config: dict[str, Any] | None = None,
    crm: CrmSource = "hubspot",
) -> dg.ExecuteInProcessResult:
    """One run of `api_sync_build` as of `day` against the APIs at `urls` (the CRM's, Stripe's),
    with the credentials of the environment (HUBSPOT_ACCESS_TOKEN or SALESFORCE_CLIENT_ID /
    SECRET, STRIPE_API_KEY). `crm` is the company's CRM, as the job was defined with."""
    from dagster_project.connectors.assets import StripeResource
    from dagster_project.connectors.stripe_billing import KEY_ENV
    from dagster_project.definitions import defs
    from dagster_project.extraction.partitions import day_range_tags
    from dagster_project.resources import WarehouseResource

    build = (data_dir / "build" / "revops.duckdb").resolve()
    os.environ["REVOPS_DUCKDB_PATH"] = str(build)  # the dbt profile's path
    warehouse = WarehouseResource(
        database=str(build),
        landing_dir=str(landing.resolve()),
        published_database=str((data_dir / "revops.duckdb").resolve()),
        as_of_date=day.isoformat(),
    )
    ops = {"revops_dbt_assets": {"config": {"full_refresh": False}}}
    for op in (f"connectors__{crm}_sync", "connectors__stripe_sync"):
        ops[op] = {"config": sync_config or {}}
    return defs.resolve_job_def("api_sync_build").execute_in_process(
        run_config={"ops": ops},
        resources={
            "warehouse": warehouse,
            crm: _crm_resource(crm, urls[0]),
            "stripe": StripeResource(api_key=dg.EnvVar(KEY_ENV), api_base=urls[1]),
        },
        tags=day_range_tags(day, day),
        raise_on_error=False,
    )


def sync_lines(result: dg.ExecuteInProcessResult) -> list[str]:
    lines = []
    for event in result.get_asset_materialization_events():
        key = event.asset_key
        if key is None or key.path[0] != "connectors":
            continue
        meta = event.materialization.metadata
        lines.append(
            f"  {key.path[-1]}: {sum(meta['records'].value.values())} records in "
            f"{meta['requests'].value} requests, {meta['seconds'].value} s "
            f"({meta['records_per_second'].value} records/s)"
        )
    return lines


def _crm_api(crm: CrmSource, state: dict[str, Any]) -> FakeHubSpot | FakeSalesforce:
    if crm == "salesforce":
        return FakeSalesforce(state, *DEMO_CLIENT)
    hubspot = FakeHubSpot(state)
    hubspot.faults.token = DEMO_TOKEN
    return hubspot


def main(argv: list[str] | None = None) -> None:
    from dagster_project.cli.summary import summary_lines
    from dagster_project.connectors.salesforce import CLIENT_ID_ENV, CLIENT_SECRET_ENV
    from dagster_project.metric_config import crm_source
    from dagster_project.run_pipeline import failure_lines, prepare_dbt_manifest
    from generator.cli import main as generate

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=200)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=Path("data/demo-api"))
    args = parser.parse_args(argv)
    shutil.rmtree(args.out, ignore_errors=True)
    generated, landing, data_dir = (
        args.out / "generated",
        args.out / "landing",
        args.out / "warehouse",
    )
    # The company's CRM: REVOPS_CRM_SOURCE (`make demo-api CRM=salesforce`), else dbt's var.
    crm = crm_source()
    generate(
        ["--size", str(args.size), "--seed", str(args.seed), "--out", str(generated)]
        + ["--days", "1", "--crm", crm]
    )
    company: Company = load_company(generated, HISTORY_END, (*CRM_TABLES[crm], *STRIPE_TABLES))
    os.environ.update(HUBSPOT_ACCESS_TOKEN=DEMO_TOKEN, STRIPE_API_KEY=DEMO_KEY)
    os.environ.update({CLIENT_ID_ENV: DEMO_CLIENT[0], CLIENT_SECRET_ENV: DEMO_CLIENT[1]})
    os.environ["REVOPS_DUCKDB_PATH"] = str((data_dir / "build" / "revops.duckdb").resolve())
    prepare_dbt_manifest()
    if crm == "salesforce":
        # The org's field names and picklist values (its users carry role, team and quota).
        (landing / "crm").mkdir(parents=True)
        shutil.copyfile(generated / "crm" / "mapping.yml", landing / "crm" / "mapping.yml")
    else:
        write_reps(generated, landing)
    api = _crm_api(crm, company.as_of(HISTORY_END))
    stripe = FakeStripe(company.as_of(HISTORY_END), HISTORY_END)
    stripe.faults.token = DEMO_KEY
    with serve(api) as crm_url, serve(stripe) as stripe_url:
        for day in (HISTORY_END, HISTORY_END + timedelta(days=1)):
            api.load(company.as_of(day))
            stripe.load(company.as_of(day), day)
            stage_file_sources(generated, landing, day, first=day == HISTORY_END)
            result = sync_and_build(data_dir, landing, day, (crm_url, stripe_url), crm=crm)
            outcome = "published" if result.success else "FAILED"
            print(f"\napi_sync_build ({crm}) as of {day}: {outcome}")
            print("\n".join(sync_lines(result) + failure_lines(result)))
            if not result.success:
                raise SystemExit(1)
    print()
    print("\n".join(summary_lines(data_dir / "revops.duckdb")))


if __name__ == "__main__":
    main()
