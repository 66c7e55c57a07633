"""The dbt project as Dagster assets: `dbt build` runs models, seeds and their tests."""

# No `from __future__ import annotations`: Dagster inspects the context annotation at runtime.
import json
import os
from collections.abc import Iterator
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from dagster_project.resources import WarehouseResource
from dagster_project.transformation.cli_args import dbt_build_args
from dagster_project.transformation.failures import failed_nodes, failure_description, is_transient
from dagster_project.transformation.project import DBT_PROJECT, dbt_run_target
from dagster_project.transformation.translator import RevopsDbtTranslator


class DbtBuildConfig(dg.Config):
    """Run config of the dbt step: `full_refresh` rebuilds the incremental models from raw
    (after a correction older than their lookback, or a change of their columns)."""

    full_refresh: bool = False


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    dagster_dbt_translator=RevopsDbtTranslator(),
)
def revops_dbt_assets(
    context: dg.AssetExecutionContext,
    config: DbtBuildConfig,
    dbt: DbtCliResource,
    warehouse: WarehouseResource,
) -> Iterator[Any]:
    # dbt reads the warehouse path from its profile's env var; the resource is the source of
    # truth, so the subprocess gets exactly the file this run's extraction wrote.
    os.environ["REVOPS_DUCKDB_PATH"] = warehouse.database
    args = dbt_build_args(warehouse.effective_as_of_date(), config.full_refresh)
    target = dbt_run_target()
    # The results of the previous run must not be read as this run's if dbt dies early.
    (target / "run_results.json").unlink(missing_ok=True)
    invocation = dbt.cli(args, context=context, target_path=target, raise_on_error=False)
    yield from invocation.stream()
    if not invocation.is_successful():
        results = target / "run_results.json"
        failures = failed_nodes(json.loads(results.read_text()) if results.exists() else {})
        returncode = invocation.process.returncode
        raise dg.Failure(
            description=failure_description(failures, returncode, target / "dbt.log"),
            # A failing test or model fails the same way again; only machine faults are retried.
            allow_retries=is_transient((message for _, message in failures), returncode),
        )
