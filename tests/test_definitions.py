"""Definitions load, and the asset graph is one connected lineage from landing to publish."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import dagster as dg

from dagster_project.extraction.assets import CRM_MAPPING_KEY, CRM_REPS_KEY
from dagster_project.source_catalog import SOURCE_TABLES
from dagster_project.transformation.cli_args import dbt_build_args


def _asset_graph(dbt_manifest: Path) -> dg.AssetGraph:
    from dagster_project.definitions import defs

    return defs.resolve_asset_graph()


def test_every_source_table_has_its_extraction_asset(dbt_manifest) -> None:
    keys = _asset_graph(dbt_manifest).get_all_asset_keys()
    for table in SOURCE_TABLES:
        assert dg.AssetKey(["raw", table.raw_table]) in keys


def test_every_dbt_source_is_the_extraction_asset_that_loads_it(dbt_manifest) -> None:
    manifest = json.loads(Path(dbt_manifest).read_text())
    source_keys = {
        tuple(source["meta"]["dagster"]["asset_key"]) for source in manifest["sources"].values()
    }
    raw_keys = {("raw", table.raw_table) for table in SOURCE_TABLES}
    # The CRM mapping and reps file, which the CRM staging models join.
    config_keys = {tuple(CRM_MAPPING_KEY.path), tuple(CRM_REPS_KEY.path)}
    assert source_keys == raw_keys | config_keys
    for source in manifest["sources"].values():
        assert source["schema"] == "raw"
        # An object table's asset also writes every version (ledger.stored_table).
        loaded_by = source["meta"]["dagster"]["asset_key"][1]
        assert source["identifier"] in (loaded_by, f"{loaded_by}__versions")


def test_staging_models_read_the_extraction_assets(dbt_manifest) -> None:
    graph = _asset_graph(dbt_manifest)
    for table in SOURCE_TABLES:
        children = graph.get(dg.AssetKey(["raw", table.raw_table])).child_keys
        assert any(key.path[0] == "staging" for key in children), table.raw_table


def test_publish_waits_for_every_mart_and_raw_table(dbt_manifest) -> None:
    graph = _asset_graph(dbt_manifest)
    parents = graph.get(dg.AssetKey(["published_warehouse"])).parent_keys
    guarded = {key for key in graph.get_all_asset_keys() if key.path[0] in ("marts", "raw")}
    assert len(guarded) > len(SOURCE_TABLES) and guarded <= parents


def test_full_build_job_selects_every_asset(dbt_manifest) -> None:
    from dagster_project.definitions import defs

    job = defs.resolve_job_def("full_build")
    assert job.executor_def.name == "in_process"


def test_api_sync_build_syncs_the_companys_crm_and_stripe(dbt_manifest) -> None:
    from dagster_project.definitions import defs

    keys = defs.resolve_job_def("api_sync_build").asset_layer.selected_asset_keys
    synced = sorted(key.path[1] for key in keys if key.path[0] == "connectors")
    assert synced == ["hubspot_sync", "stripe_sync"]  # crm_source: hubspot, the default


def test_dbt_build_args_leave_unit_tests_out() -> None:
    assert dbt_build_args() == ["build", "--exclude-resource-type", "unit_test"]
    assert dbt_build_args(full_refresh=True)[-1] == "--full-refresh"


def test_dbt_build_args_leave_unchanged_models_and_only_their_own_tests_out() -> None:
    assert dbt_build_args(unchanged=["stg_a", "stages"])[3:] == [
        "--exclude",
        "stg_a stages",
        "--indirect-selection",
        "cautious",
    ]


def test_the_code_location_never_imports_the_sample_generator(dbt_manifest) -> None:
    """The generator is a tool beside the pipeline: loading the definitions must not need it."""
    script = (
        "import sys, dagster_project.definitions; "
        "print(sorted(m for m in sys.modules if m == 'generator' or m.startswith('generator.')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
