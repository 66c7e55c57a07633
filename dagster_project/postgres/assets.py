"""The PostgreSQL target as a Dagster asset and job: extraction as always (DuckDB reads the landing
files, row rules, quarantine, the raw checks), then raw copied to the server, `dbt build` into the
`__build` schemas (holding a copy of the published incremental models first, so those build
incrementally), the marts' quality suites on them, and the schema swap.

`REVOPS_TARGET=postgres` makes `run_pipeline` run `postgres_build` instead of `full_build`.
"""

# No `from __future__ import annotations`: Dagster inspects the context annotation at runtime.
import time
from pathlib import Path

import dagster as dg

from dagster_project.automation.jobs import POSTGRES_GROUP
from dagster_project.automation.policies import WAREHOUSE_RETRY_POLICY, WRITER_RUN_TAGS
from dagster_project.extraction.assets import build_extraction_assets
from dagster_project.metric_config import metric_vars
from dagster_project.postgres.build import build_and_publish, check_server
from dagster_project.postgres.raw_copy import copy_raw
from dagster_project.postgres.settings import PostgresConnectionError, PostgresSettings
from dagster_project.quality.suites.raw import raw_suites
from dagster_project.resources import WarehouseResource


def _extraction_keys() -> list[dg.AssetKey]:
    return [key for asset in build_extraction_assets() for key in asset.keys]


class PostgresBuildConfig(dg.Config):
    """Run config of the server build: `full_refresh` rebuilds the incremental models from raw
    (after a correction older than their lookback, a change of their columns, or a build as of
    an earlier date than the published one); otherwise they start from the published tables."""

    full_refresh: bool = False


@dg.asset(
    key=dg.AssetKey(["postgres_warehouse"]),
    # Every raw table and the CRM configuration: their blocking checks keep a bad load off the
    # server, as they keep it out of the DuckDB warehouse.
    deps=_extraction_keys(),
    group_name=POSTGRES_GROUP,
    kinds={"postgres", "dbt"},
    description=(
        "The dbt project built on PostgreSQL (REVOPS_PG_*) from the run's raw tables, checked by "
        "the marts' quality suites and published by an atomic schema swap."
    ),
)
def postgres_warehouse(
    context: dg.AssetExecutionContext, config: PostgresBuildConfig, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    try:
        settings = PostgresSettings.from_env()
        check_server(settings)
    except PostgresConnectionError as refused:
        # Not retried: a wrong setting or a server down stays so for the next 45 s.
        raise dg.Failure(description=str(refused), allow_retries=False) from None
    as_of_date = warehouse.effective_as_of_date()
    started = time.perf_counter()
    copied = copy_raw(Path(warehouse.database), settings)
    target = Path(warehouse.database).parent / "postgres_target"
    context.log.info(
        f"raw copied to {settings.describe()}: {sum(copied['rows'].values())} rows in "
        f"{len(copied['rows'])} tables, {copied['copy_s']} s; dbt build as of {as_of_date}, "
        + ("incremental models from raw" if config.full_refresh else "incremental")
    )
    returncode = build_and_publish(settings, as_of_date, target, full_refresh=config.full_refresh)
    if returncode != 0:
        raise dg.Failure(
            description=(
                f"the PostgreSQL build failed (dbt or a blocking quality rule: {target}/dbt.log "
                "and the run's log); the published schemas are unchanged"
            ),
            allow_retries=False,
        )
    return dg.MaterializeResult(
        metadata={
            "server": settings.describe(),
            "as_of_date": as_of_date,
            "raw_rows": sum(copied["rows"].values()),
            "full_refresh": config.full_refresh,
            "seconds": round(time.perf_counter() - started, 1),
        }
    )


def _job_selection() -> dg.AssetSelection:
    """Extraction with its own checks and the raw suites, then this asset. Not the raw assets'
    other checks: dbt's source tests are checks on them too, and would pull DuckDB's dbt in."""
    extraction = build_extraction_assets()
    own_checks = [key for asset in extraction for key in asset.check_keys]
    raw_checks = [
        dg.AssetCheckKey(dg.AssetKey([*suite.asset_key]), rule.name)
        for suite in raw_suites(metric_vars())
        for rule in suite.rules
    ]
    assets = dg.AssetSelection.assets(*extraction, postgres_warehouse).without_checks()
    return assets | dg.AssetSelection.checks(*own_checks, *raw_checks)


postgres_build_job = dg.define_asset_job(
    name="postgres_build",
    selection=_job_selection(),
    description="Extract every source into raw (DuckDB), then build, check and publish on "
    "PostgreSQL (REVOPS_PG_*).",
    tags=WRITER_RUN_TAGS,
    op_retry_policy=WAREHOUSE_RETRY_POLICY,
)
