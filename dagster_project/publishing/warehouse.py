"""Publish: replace the serving warehouse with the run's build, atomically.

BI tools open `data/warehouse/revops.duckdb` read-only. A run never writes that file: it builds
`build/revops.duckdb`, and only when every upstream asset (and its blocking checks) succeeded does
this asset write the build's public tables (publishing/served.py) next to the serving file and
rename it into place. A rename is atomic
on one filesystem, so a reader sees the old warehouse or the new one, never half of either, and
a reader that holds the old file open keeps reading it undisturbed. Before the copy, the build
records what it can and cannot say (meta.source_availability, meta.metric_availability:
publishing/availability.py) and which run and as-of date it is (meta.warehouse_version).
With each version come its Parquet export (publishing/parquet_export.py) and its metrics report
(publishing/metrics_report.py), both read from the staged copy before it is served.
"""

# No `from __future__ import annotations`: Dagster inspects the context annotation at runtime.
import json
import os
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb

from dagster_project import duckdb_limits
from dagster_project.automation.faults import fail_once_unless_transient
from dagster_project.extraction.assets import CRM_MAPPING_KEY, CRM_REPS_KEY, raw_asset_key
from dagster_project.metric_config import crm_source
from dagster_project.publishing.availability import record_availability
from dagster_project.publishing.metrics_report import render_report, report_path, write_report
from dagster_project.publishing.parquet_export import (
    CURRENT,
    export_marts,
    parquet_dir,
    switch_current,
)
from dagster_project.publishing.served import Descriptions, model_descriptions, write_served_copy
from dagster_project.quality.engine.report import report_dir
from dagster_project.resources import WarehouseResource
from dagster_project.source_catalog import source_tables
from dagster_project.transformation.assets import revops_dbt_assets
from dagster_project.transformation.build_inputs import inputs_digest
from dagster_project.transformation.project import DBT_PROJECT

# A step on the staged served file before it replaces the served one.
StagedStep = Callable[[Path], None] | None


def record_version(con: duckdb.DuckDBPyConnection, run_id: str, as_of_date: str) -> None:
    """Keep the published version's run id, as-of date and the digest of the inputs it was
    built from (transformation/build_inputs.py) in `meta.warehouse_version`."""
    con.execute("create schema if not exists meta")
    con.execute(
        "create or replace table meta.warehouse_version as "
        "select ?::varchar as run_id, ?::date as as_of_date, ?::timestamp as published_at, "
        "?::varchar as inputs_digest",
        [
            run_id,
            as_of_date,
            datetime.now(UTC).replace(tzinfo=None),
            inputs_digest(con, as_of_date),
        ],
    )
    con.execute("checkpoint")


def publish_file(
    build: Path,
    published: Path,
    run_id: str,
    before_swap: StagedStep = None,
    descriptions: Descriptions | None = None,
) -> None:
    """Write the served copy (publishing/served.py), flush, then rename it over the serving
    file: a crash at any point leaves it intact. `before_swap(staged)` runs on the flushed copy
    before the rename (exports read it); an error there publishes nothing."""
    published.parent.mkdir(parents=True, exist_ok=True)
    # A run killed mid-copy leaves its temp file behind; it was never served, so drop it.
    for stale in published.parent.glob(f".{published.name}.*.tmp*"):
        stale.unlink(missing_ok=True)
    staged = published.with_name(f".{published.name}.{run_id}.tmp")
    try:
        write_served_copy(build, staged, descriptions)
        with staged.open("rb+") as handle:
            os.fsync(handle.fileno())
        if before_swap:
            before_swap(staged)
        os.replace(staged, published)
    finally:
        staged.unlink(missing_ok=True)
    directory = os.open(published.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def table_counts(database: Path) -> dict[str, int]:
    """Tables and views per schema in a warehouse file, opened read-only."""
    with duckdb_limits.connect(database, read_only=True) as con:
        rows = con.execute(
            "select table_schema, count(*) from information_schema.tables group by 1 order by 1"
        ).fetchall()
    return {schema: count for schema, count in rows}


def publish_quality_report(build: Path, published: Path) -> Path | None:
    """Copy the run's quality report beside the served warehouse (for people, not BI)."""
    source = report_dir(str(build))
    if not source.exists():
        return None
    target = report_dir(str(published))
    shutil.copytree(source, target, dirs_exist_ok=True)
    return target / "index.html"


@dg.asset(
    key=dg.AssetKey(["published_warehouse"]),
    # Every mart and every raw table: blocking checks on either keep a bad build unpublished.
    deps=[
        *revops_dbt_assets.keys,
        *(raw_asset_key(table) for table in source_tables(crm_source())),
        CRM_MAPPING_KEY,
        CRM_REPS_KEY,
    ],
    group_name="publish",
    kinds={"duckdb"},
    description="The serving warehouse BI tools read, replaced atomically after a good build.",
)
def published_warehouse(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    as_of_date = warehouse.effective_as_of_date()
    manifest = json.loads(DBT_PROJECT.manifest_path.read_text(encoding="utf-8"))
    with fail_once_unless_transient(), warehouse.connect() as con:
        record_availability(con, manifest)
        unavailable = con.execute(
            "select kind || ' ' || name || ': ' || status || ' (' || reason || ')' "
            "from meta.metric_availability where status <> 'available' order by kind, name"
        ).fetchall()
        record_version(con, context.run.run_id, as_of_date)
    published = Path(warehouse.published_database)
    run_id = context.run.run_id
    exports: dict[str, object] = {}

    def export(staged: Path) -> None:
        # Read from the staged served copy before it is served: a failure publishes nothing.
        exports["parquet"] = export_marts(staged, parquet_dir(published), run_id)
        exports["report"] = render_report(staged)

    publish_file(
        Path(warehouse.database),
        published,
        run_id,
        before_swap=export,
        descriptions=model_descriptions(manifest),
    )
    switch_current(parquet_dir(published), run_id)
    write_report(str(exports["report"]), report_path(published))
    report = publish_quality_report(Path(warehouse.database), published)
    counts = table_counts(published)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(warehouse.published_database),
            "as_of_date": as_of_date,
            "tables_per_schema": dg.MetadataValue.json(counts),
            "size_mb": round(Path(warehouse.published_database).stat().st_size / 1e6, 1),
            "not_available": dg.MetadataValue.json([line for (line,) in unavailable]),
            "metrics_report": dg.MetadataValue.path(str(report_path(published))),
            "parquet": dg.MetadataValue.path(str(parquet_dir(published) / CURRENT)),
            **({"quality_report": dg.MetadataValue.path(str(report))} if report else {}),
        }
    )
