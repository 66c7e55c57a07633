"""One Dagster asset per source table: landing files -> `raw.<system>_<table>`."""

# No `from __future__ import annotations`: Dagster inspects the context annotation at runtime.
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from dagster_project.extraction.loader import load_source_table
from dagster_project.resources import WarehouseResource
from dagster_project.source_catalog import SOURCE_TABLES, SourceTable


def raw_asset_key(table: SourceTable) -> dg.AssetKey:
    """The key dbt sources name in `meta.dagster.asset_key`, so lineage is one graph."""
    return dg.AssetKey(["raw", table.raw_table])


def _build_extraction_asset(table: SourceTable) -> dg.AssetsDefinition:
    @dg.asset(
        key=raw_asset_key(table),
        group_name=f"extract_{table.system}",
        kinds={"duckdb", table.file_format},
        description=(
            f"{table.system} {table.name} export loaded as is into raw.{table.raw_table} "
            f"(files: <landing>/{table.landing_subdir}/*.{table.extension})."
        ),
        tags={"layer": "raw", "source_system": table.system},
    )
    def _extract(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        loaded_at = datetime.now(UTC).replace(tzinfo=None)
        with warehouse.connect() as con:
            result = load_source_table(con, table, Path(warehouse.landing_dir), loaded_at)
        context.log.info(f"raw.{result.table}: {result.rows} rows from {len(result.files)} file(s)")
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": result.rows,
                "source_files": dg.MetadataValue.json(result.rows_per_file),
                "columns": dg.MetadataValue.json(list(result.columns)),
                "loaded_at": loaded_at.isoformat(),
            }
        )

    return _extract


def build_extraction_assets() -> list[dg.AssetsDefinition]:
    return [_build_extraction_asset(table) for table in SOURCE_TABLES]
