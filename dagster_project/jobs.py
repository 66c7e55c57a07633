"""Jobs: the full build, landing files to the published warehouse."""

from __future__ import annotations

import dagster as dg

full_build_job = dg.define_asset_job(
    name="full_build",
    selection=dg.AssetSelection.all(),
    description="Extract every source, build and test the dbt project, publish the warehouse.",
)
