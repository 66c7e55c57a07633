"""Jobs: the full build, landing files to the published warehouse."""

from __future__ import annotations

import dagster as dg

from dagster_project.automation.policies import WAREHOUSE_RETRY_POLICY, WRITER_RUN_TAGS

full_build_job = dg.define_asset_job(
    name="full_build",
    selection=dg.AssetSelection.all(),
    description="Extract every source, build and test the dbt project, publish the warehouse.",
    # The writer tag queues a second run behind the first (automation/dagster.yaml). `tags`, not
    # `run_tags`: launches from the UI and the CLI copy only the job's `tags` onto the run.
    tags=WRITER_RUN_TAGS,
    op_retry_policy=WAREHOUSE_RETRY_POLICY,
)
