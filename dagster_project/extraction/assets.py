"""One Dagster asset per source table: landing files -> `raw.<system>_<table>`, after a
preflight that the landing folder holds every required table (extraction/preflight.py).

Event sources are partitioned by landing day (partitions.py): a run loads the days it is asked
for, and a backfill of many days is one run (single-run backfill policy), one load. Object
sources are unpartitioned: each run loads the files new or changed since the ledger.
Each asset depends on the raw tables its row rules read (foreign keys, FX currencies), so
parents load first and a row pointing at a missing or quarantined parent is quarantined too.
"""

# No `from __future__ import annotations`: Dagster inspects the context annotation at runtime.
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import dagster as dg

from dagster_project.automation.faults import fail_once_unless_transient
from dagster_project.connectors.assets import SYNC_KEYS
from dagster_project.extraction.config_files import ConfigFileError
from dagster_project.extraction.crm_config import write_crm_config
from dagster_project.extraction.crm_mapping import load_crm_mapping
from dagster_project.extraction.crm_reps import load_reps
from dagster_project.extraction.landing import LandingLayoutError
from dagster_project.extraction.ledger import stored_table
from dagster_project.extraction.loader import ExtractionError, LoadResult, load_source_table
from dagster_project.extraction.partitions import LANDING_DAYS, days_of
from dagster_project.extraction.preflight import MissingSourcesError, check_required_sources
from dagster_project.extraction.reject_gate import (
    RejectShareExceeded,
    check_reject_share,
    table_share,
)
from dagster_project.extraction.rules import parent_tables
from dagster_project.metric_config import crm_source, metric_vars
from dagster_project.resources import WarehouseResource
from dagster_project.source_catalog import SourceTable, source_tables

# The landing folder's CRM mapping and reps file, as tables staging joins (crm_config.py).
CRM_MAPPING_KEY = dg.AssetKey(["raw", "crm_mapping"])
CRM_REPS_KEY = dg.AssetKey(["raw", "crm_reps"])
# The CRM tables whose row rules read the mapping.
_MAPPED_TABLES = ("crm_contacts", "crm_deals", "crm_companies", "crm_engagements")
PREFLIGHT_KEY = dg.AssetKey(["landing_preflight"])


@dg.asset(
    key=PREFLIGHT_KEY,
    # In the api_sync_build job the connectors write their landing day first.
    deps=list(SYNC_KEYS),
    group_name="extract",
    kinds={"python"},
    description=(
        "The landing folder holds every required source table (docs/sources.md): fails naming "
        "all that hold no records, before any table loads; lists the optional ones absent."
    ),
)
def landing_preflight(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    try:
        presence = check_required_sources(Path(warehouse.landing_dir))
    except (MissingSourcesError, LandingLayoutError) as error:
        raise dg.Failure(
            description=f"{type(error).__name__}: {error}", allow_retries=False
        ) from error
    absent = {p.table.raw_table: p.problem for p in presence if not p.holds_records}
    for table, problem in absent.items():
        context.log.warning(f"{table}: {problem}; loaded as an empty table")
    return dg.MaterializeResult(
        metadata={
            "files": dg.MetadataValue.json({p.table.raw_table: p.files for p in presence}),
            "absent_sources": dg.MetadataValue.json(absent),
        }
    )


def raw_asset_key(table: SourceTable) -> dg.AssetKey:
    """The key dbt sources name in `meta.dagster.asset_key`, so lineage is one graph."""
    return dg.AssetKey(["raw", table.raw_table])


def _metadata(result: LoadResult, loaded_at: datetime) -> dict[str, Any]:
    accounting = result.accounting
    return {
        "dagster/row_count": accounting.rows_loaded,
        "rows_read": accounting.rows_read,
        "rows_quarantined": accounting.rows_quarantined,
        "top_reject_reasons": dg.MetadataValue.json(
            [list(reason) for reason in accounting.top_reasons]
        ),
        "source_files": dg.MetadataValue.json(result.rows_per_file),
        "forgotten_files": dg.MetadataValue.json(list(result.forgotten_files)),
        "later_landing_days": dg.MetadataValue.json([str(day) for day in result.later_days]),
        "columns": dg.MetadataValue.json(list(result.columns)),
        "new_columns": dg.MetadataValue.json(list(result.new_columns)),
        "loaded_at": loaded_at.isoformat(),
    }


def _build_extraction_asset(table: SourceTable) -> dg.AssetsDefinition:
    by_name = {t.raw_table: t for t in source_tables(crm_source())}
    partitioned = table.kind == "event"

    parents = [
        raw_asset_key(by_name[parent])
        for parent in sorted(parent_tables(table.raw_table, crm_source()))
    ]
    mapped = table.raw_table in _MAPPED_TABLES or table.system == "salesforce"
    mapping = [CRM_MAPPING_KEY] if mapped else []

    @dg.asset(
        key=raw_asset_key(table),
        deps=[PREFLIGHT_KEY, *parents, *mapping],
        group_name=f"extract_{table.system}",
        kinds={"duckdb", table.file_format},
        description=(
            f"{table.system} {table.name} export loaded into raw.{table.raw_table} "
            f"(files: <landing>/{table.landing_subdir}/*.{table.extension}); malformed rows go "
            "to quarantine.rejected_rows."
        ),
        tags={"layer": "raw", "source_system": table.system},
        partitions_def=LANDING_DAYS if partitioned else None,
        backfill_policy=dg.BackfillPolicy.single_run() if partitioned else None,
        check_specs=[
            dg.AssetCheckSpec(
                "row_accounting",
                asset=raw_asset_key(table),
                blocking=True,
                description="Rows read = rows loaded into raw + rows quarantined, for this load.",
            )
        ],
    )
    def _extract(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        loaded_at = datetime.now(UTC).replace(tzinfo=None)
        days = days_of(context) if partitioned else None
        as_of = date.fromisoformat(warehouse.effective_as_of_date())
        try:
            # Other exceptions: a fault of the machine is retried, anything else fails once.
            with fail_once_unless_transient(), warehouse.connect() as con:
                result = load_source_table(
                    con, table, Path(warehouse.landing_dir), loaded_at, days, as_of
                )
                # Counted back from the tables, not from the loader's own figures. Inlined
                # values, not parameters: see extraction/ledger.py.
                this_load = f"'{loaded_at.isoformat(sep=' ')}'::timestamp"
                counted = con.execute(
                    f"select (select count(*) from {stored_table(table)} "
                    f"where _loaded_at = {this_load}), (select count(*) from "
                    f"quarantine.rejected_rows where source_table = '{table.raw_table}' "
                    f"and loaded_at = {this_load})"
                ).fetchone()
                share = table_share(con, table.raw_table)
            if result.new_columns:
                context.log.warning(
                    f"raw.{table.raw_table}: new columns in the export, carried into raw: "
                    f"{', '.join(result.new_columns)}"
                )
            if result.later_days:
                context.log.warning(
                    f"raw.{table.raw_table}: landing days after this run's range are not loaded "
                    f"yet, left for the run that covers them: "
                    f"{', '.join(map(str, result.later_days))}"
                )
            check_reject_share(share, float(metric_vars()["quarantine_max_reject_share"]))
        except (ExtractionError, LandingLayoutError, RejectShareExceeded, ConfigFileError) as error:
            # Bad input fails the same way on every try: report it once, skip the job's retries.
            raise dg.Failure(
                description=f"{type(error).__name__}: {error}", allow_retries=False
            ) from error
        yield dg.MaterializeResult(metadata=_metadata(result, loaded_at))
        rows_read = result.accounting.rows_read
        yield dg.AssetCheckResult(
            check_name="row_accounting",
            passed=rows_read == counted[0] + counted[1],
            metadata={
                "rows_read": rows_read,
                "rows_loaded": counted[0],
                "rows_quarantined": counted[1],
            },
        )

    return _extract


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            CRM_MAPPING_KEY,
            deps=[PREFLIGHT_KEY],
            group_name="extract_crm",
            kinds={"duckdb", "yaml"},
            description=(
                "The CRM mapping (<landing>/crm/mapping.yml, or the identity on the contract's "
                "names) in raw.crm_mapping: the account's property and values for each contract "
                "field, and the custom properties asked for as typed staging columns."
            ),
            tags={"layer": "raw", "source_system": "crm"},
        ),
        dg.AssetSpec(
            CRM_REPS_KEY,
            deps=[PREFLIGHT_KEY],
            group_name="extract_crm",
            kinds={"duckdb", "csv"},
            description=(
                "The reps file (<landing>/crm/reps.csv, optional) in raw.crm_reps: each owner's "
                "role, team and quarterly quota, matched by email."
            ),
            tags={"layer": "raw", "source_system": "crm"},
        ),
    ],
)
def crm_configuration(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> Iterator[dg.MaterializeResult]:
    landing_dir = Path(warehouse.landing_dir)
    try:
        mapping, reps = load_crm_mapping(landing_dir), load_reps(landing_dir)
    except ConfigFileError as error:
        raise dg.Failure(description=f"ConfigFileError: {error}", allow_retries=False) from error
    with fail_once_unless_transient(), warehouse.connect() as con:
        write_crm_config(con, mapping, reps)
    yield dg.MaterializeResult(
        asset_key=CRM_MAPPING_KEY,
        metadata={
            "mapping_file": mapping.source,
            "mapped_values": len(mapping.values),
            "typed_columns": dg.MetadataValue.json([c.column for c in mapping.columns]),
        },
    )
    yield dg.MaterializeResult(asset_key=CRM_REPS_KEY, metadata={"dagster/row_count": len(reps)})


def build_extraction_assets() -> list[dg.AssetsDefinition]:
    return [
        landing_preflight,
        crm_configuration,
        *(_build_extraction_asset(table) for table in source_tables(crm_source())),
    ]
