"""Assembles the code location: extraction, dbt, quality checks, publish, jobs and resources."""

from __future__ import annotations

import dagster as dg

from dagster_project.extraction.assets import build_extraction_assets
from dagster_project.jobs import full_build_job
from dagster_project.publishing import published_warehouse
from dagster_project.quality.checks import build_quality_checks
from dagster_project.resources import default_warehouse
from dagster_project.transformation.assets import revops_dbt_assets
from dagster_project.transformation.project import DBT_PROJECT, dbt_resource

DBT_PROJECT.prepare_if_dev()

defs = dg.Definitions(
    assets=[*build_extraction_assets(), revops_dbt_assets, published_warehouse],
    asset_checks=build_quality_checks(),
    jobs=[full_build_job],
    resources={"dbt": dbt_resource(), "warehouse": default_warehouse()},
    # One DuckDB writer at a time: steps run in one process, one after another (see resources.py).
    executor=dg.in_process_executor,
)
