"""Jobs: the full build, landing files to the published warehouse; and the same after the API
connectors have synced the day's files."""

from __future__ import annotations

import dagster as dg

from dagster_project.automation.policies import WAREHOUSE_RETRY_POLICY, WRITER_RUN_TAGS
from dagster_project.connectors.assets import CONNECTORS_GROUP, CRM_SYNC_KEYS
from dagster_project.metric_config import crm_source

# The PostgreSQL target's asset runs in its own job (postgres/assets.py), never in these.
POSTGRES_GROUP = "postgres"

full_build_job = dg.define_asset_job(
    name="full_build",
    # The landing folder as it is: the API connectors run only in api_sync_build.
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups(CONNECTORS_GROUP, POSTGRES_GROUP),
    description="Extract every source, build and test the dbt project, publish the warehouse.",
    # The writer tag queues a second run behind the first (automation/dagster.yaml). `tags`, not
    # `run_tags`: launches from the UI and the CLI copy only the job's `tags` onto the run.
    tags=WRITER_RUN_TAGS,
    op_retry_policy=WAREHOUSE_RETRY_POLICY,
)

# The sync of the company's CRM only (`crm_source` in dbt/dbt_project.yml), read as the
# definitions load: a changed setting takes a reload, as the extraction assets do.
_OTHER_CRM_SYNCS = [key for crm, key in CRM_SYNC_KEYS.items() if crm != crm_source()]
api_sync_build_job = dg.define_asset_job(
    name="api_sync_build",
    selection=dg.AssetSelection.all()
    - dg.AssetSelection.assets(*_OTHER_CRM_SYNCS)
    - dg.AssetSelection.groups(POSTGRES_GROUP),
    description=(
        "Sync the CRM (HubSpot or Salesforce, as crm_source says) and Stripe into the landing "
        "folder (the run's as-of day), then what full_build does."
    ),
    tags=WRITER_RUN_TAGS,
    op_retry_policy=WAREHOUSE_RETRY_POLICY,
)
