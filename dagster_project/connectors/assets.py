"""The connectors as Dagster assets: each syncs its system's landing day (the run's as-of date)
before extraction reads the landing folder, in the `api_sync_build` job and its daily schedule.

Credentials come from environment variables through `dg.EnvVar`: read when a run starts, shown
as the variable's name in the UI, never written to logs, metadata or files. `full_build` (what
`make run` and the landing sensor launch) leaves these assets out and reads the files as they
are.
"""

# No `from __future__ import annotations`: Dagster inspects the context annotation at runtime.
import time
from datetime import date
from pathlib import Path

import dagster as dg

from dagster_project.connectors.errors import SyncError
from dagster_project.connectors.hubspot import TOKEN_ENV, HubSpotConnector
from dagster_project.connectors.salesforce import (
    CLIENT_ID_ENV,
    CLIENT_SECRET_ENV,
    INSTANCE_ENV,
    SalesforceConnector,
)
from dagster_project.connectors.settings import SyncSettings
from dagster_project.connectors.stripe_billing import KEY_ENV, StripeConnector
from dagster_project.resources import WarehouseResource

CONNECTORS_GROUP = "connectors"
HUBSPOT_SYNC_KEY = dg.AssetKey(["connectors", "hubspot_sync"])
STRIPE_SYNC_KEY = dg.AssetKey(["connectors", "stripe_sync"])
SALESFORCE_SYNC_KEY = dg.AssetKey(["connectors", "salesforce_sync"])
SYNC_KEYS = (HUBSPOT_SYNC_KEY, SALESFORCE_SYNC_KEY, STRIPE_SYNC_KEY)
# Each CRM's sync: api_sync_build runs the one of the company's CRM (`crm_source`).
CRM_SYNC_KEYS = {"hubspot": HUBSPOT_SYNC_KEY, "salesforce": SALESFORCE_SYNC_KEY}


class HubSpotResource(dg.ConfigurableResource):
    """A HubSpot account: a private app's access token (scopes: crm.objects.*.read,
    crm.objects.owners.read)."""

    access_token: str
    base_url: str = "https://api.hubapi.com"


class StripeResource(dg.ConfigurableResource):
    """A Stripe account: a restricted key with read access to billing objects and events."""

    api_key: str
    api_base: str = "https://api.stripe.com"


class SalesforceResource(dg.ConfigurableResource):
    """A Salesforce org: its My Domain URL and a connected app enabled for the client-credentials
    flow, whose run-as user can read the contract's objects and fields."""

    instance_url: str
    client_id: str
    client_secret: str


class SyncConfig(dg.Config):
    """Retry bounds of one sync (connectors/settings.py has the defaults and why)."""

    max_attempts: int = SyncSettings.max_attempts
    backoff_seconds: float = SyncSettings.backoff_seconds
    overlap_seconds: int = SyncSettings.overlap_seconds

    def settings(self) -> SyncSettings:
        return SyncSettings(
            max_attempts=self.max_attempts,
            backoff_seconds=self.backoff_seconds,
            overlap_seconds=self.overlap_seconds,
        )


def connector_resources() -> dict[str, dg.ConfigurableResource]:
    return {
        "hubspot": HubSpotResource(access_token=dg.EnvVar(TOKEN_ENV)),
        "stripe": StripeResource(api_key=dg.EnvVar(KEY_ENV)),
        "salesforce": SalesforceResource(
            instance_url=dg.EnvVar(INSTANCE_ENV),
            client_id=dg.EnvVar(CLIENT_ID_ENV),
            client_secret=dg.EnvVar(CLIENT_SECRET_ENV),
        ),
    }


def _run_sync(
    context: dg.AssetExecutionContext,
    connector: HubSpotConnector | SalesforceConnector | StripeConnector,
    day: str,
) -> dg.MaterializeResult:
    began = time.perf_counter()
    try:
        written = connector.sync(date.fromisoformat(day))
    except SyncError as error:
        # Bounded retries already happened inside the client; a Dagster retry would repeat them.
        raise dg.Failure(
            description=f"{type(error).__name__}: {error}", allow_retries=False
        ) from None
    seconds = time.perf_counter() - began
    records = sum(written.values())
    context.log.info(
        f"synced {records} records of {day} in {connector.requests} requests, {seconds:.1f} s"
    )
    return dg.MaterializeResult(
        metadata={
            "sync_day": day,
            "records": dg.MetadataValue.json(written),
            "requests": connector.requests,
            "seconds": round(seconds, 2),
            "records_per_second": round(records / max(seconds, 1e-9)),
        }
    )


@dg.asset(
    key=HUBSPOT_SYNC_KEY,
    group_name=CONNECTORS_GROUP,
    kinds={"python", "hubspot"},
    description=(
        "HubSpot CRM v3 -> <landing>/crm/<table>/date=<as-of>/: owners, companies, contacts, "
        "deals, engagements changed since the last sync (the first sync is a full one)."
    ),
)
def hubspot_sync(
    context: dg.AssetExecutionContext,
    config: SyncConfig,
    warehouse: WarehouseResource,
    hubspot: HubSpotResource,
) -> dg.MaterializeResult:
    connector = HubSpotConnector(
        hubspot.base_url, hubspot.access_token, Path(warehouse.landing_dir), config.settings()
    )
    return _run_sync(context, connector, warehouse.effective_as_of_date())


@dg.asset(
    key=STRIPE_SYNC_KEY,
    group_name=CONNECTORS_GROUP,
    kinds={"python", "stripe"},
    description=(
        "Stripe -> <landing>/billing/<table>/date=<as-of>/: customers, subscriptions, "
        "subscription events, invoices and credit notes since the last sync."
    ),
)
def stripe_sync(
    context: dg.AssetExecutionContext,
    config: SyncConfig,
    warehouse: WarehouseResource,
    stripe: StripeResource,
) -> dg.MaterializeResult:
    connector = StripeConnector(
        stripe.api_base, stripe.api_key, Path(warehouse.landing_dir), config.settings()
    )
    return _run_sync(context, connector, warehouse.effective_as_of_date())


@dg.asset(
    key=SALESFORCE_SYNC_KEY,
    group_name=CONNECTORS_GROUP,
    kinds={"python", "salesforce"},
    description=(
        "Salesforce REST (SOQL) -> <landing>/salesforce/<object>/date=<as-of>/: the contract's "
        "objects changed or deleted since the last sync (the first sync is a full one)."
    ),
)
def salesforce_sync(
    context: dg.AssetExecutionContext,
    config: SyncConfig,
    warehouse: WarehouseResource,
    salesforce: SalesforceResource,
) -> dg.MaterializeResult:
    connector = SalesforceConnector(
        salesforce.instance_url,
        salesforce.client_id,
        salesforce.client_secret,
        Path(warehouse.landing_dir),
        config.settings(),
    )
    return _run_sync(context, connector, warehouse.effective_as_of_date())


CONNECTOR_ASSETS = [hubspot_sync, salesforce_sync, stripe_sync]
