"""Assembles the code location: assets, checks, jobs, schedule, sensor, resources."""

from __future__ import annotations

import dagster as dg

from dagster_project.automation.freshness import with_freshness_policies
from dagster_project.automation.jobs import api_sync_build_job, full_build_job
from dagster_project.automation.schedules import daily_api_sync_build, daily_full_build
from dagster_project.automation.sensors import landing_files_sensor
from dagster_project.connectors.assets import CONNECTOR_ASSETS, connector_resources
from dagster_project.extraction.assets import build_extraction_assets
from dagster_project.postgres.assets import postgres_build_job, postgres_warehouse
from dagster_project.publishing.headline_metrics import headline_metrics
from dagster_project.publishing.warehouse import published_warehouse
from dagster_project.quality.checks import build_quality_checks
from dagster_project.resources import default_warehouse
from dagster_project.transformation.assets import revops_dbt_assets
from dagster_project.transformation.project import DBT_PROJECT, dbt_resource

DBT_PROJECT.prepare_if_dev()

defs = dg.Definitions(
    # Freshness policies on the extraction assets and marts (automation/freshness.py).
    assets=[
        *with_freshness_policies(
            [
                *CONNECTOR_ASSETS,
                *build_extraction_assets(),
                revops_dbt_assets,
                published_warehouse,
                headline_metrics,
            ]
        ),
        # The PostgreSQL target: run by its own job only (postgres/assets.py).
        postgres_warehouse,
    ],
    asset_checks=build_quality_checks(),
    jobs=[full_build_job, api_sync_build_job, postgres_build_job],
    schedules=[daily_full_build, daily_api_sync_build],
    sensors=[landing_files_sensor],
    resources={"dbt": dbt_resource(), "warehouse": default_warehouse(), **connector_resources()},
    # One DuckDB writer at a time: steps run in one process, one after another (see resources.py).
    executor=dg.in_process_executor,
)
