"""The dbt project as Dagster assets: `dbt build` runs models, seeds and their tests."""

# No `from __future__ import annotations`: Dagster inspects the context annotation at runtime.
import os
from collections.abc import Iterator
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from dagster_project.resources import WarehouseResource
from dagster_project.transformation.cli_args import dbt_build_args
from dagster_project.transformation.project import DBT_PROJECT
from dagster_project.transformation.translator import RevopsDbtTranslator


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    dagster_dbt_translator=RevopsDbtTranslator(),
)
def revops_dbt_assets(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: WarehouseResource,
) -> Iterator[Any]:
    # dbt reads the warehouse path from its profile's env var; the resource is the source of
    # truth, so the subprocess gets exactly the file this run's extraction wrote.
    os.environ["REVOPS_DUCKDB_PATH"] = warehouse.database
    yield from dbt.cli(dbt_build_args(warehouse.effective_as_of_date()), context=context).stream()
