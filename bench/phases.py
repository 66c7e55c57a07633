"""One phase of the real pipeline, run in its own process so the harness can measure it alone.

Usage: python -m bench.phases {extract,dbt,quality,publish} --out phase.json [--as-of DATE]

Each phase executes the project's own assets and checks (`dagster_project.definitions.defs`) as
a Dagster job over one selection, with the same resources and executor as `make run`; only the
split into four runs is the harness's. Paths come from the environment the harness sets
(REVOPS_DATA_DIR, REVOPS_DUCKDB_PATH, DAGSTER_HOME).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import dagster as dg

PHASES = ("extract", "dbt", "quality", "publish")


def own_selection(assets: Sequence[dg.AssetsDefinition]) -> dg.AssetSelection:
    """These assets and the checks their own ops compute, and no check computed elsewhere.

    Selecting assets selects every check on them by default, and dbt's source tests are checks
    on the raw assets: without this, the extraction phase would pull the dbt step in with them.
    """
    selection = dg.AssetSelection.assets(*assets).without_checks()
    check_keys = [key for asset in assets for key in asset.check_keys]
    return selection | dg.AssetSelection.checks(*check_keys) if check_keys else selection


def bench_definitions() -> dg.Definitions:
    """The project's definitions plus one job per phase.

    extract: the extraction assets; dbt: the dbt assets and their tests; quality: the checks
    defined apart from assets (the great-expectations suites); publish: every other asset
    (published_warehouse and what reads it; not the API connectors nor the PostgreSQL target),
    so a new asset is measured without editing this.
    """
    from dagster_project.automation.jobs import POSTGRES_GROUP
    from dagster_project.connectors.assets import CONNECTORS_GROUP
    from dagster_project.definitions import defs
    from dagster_project.extraction.assets import build_extraction_assets
    from dagster_project.transformation.assets import revops_dbt_assets

    # keys, not key: the CRM mapping is one asset of two keys (raw/crm_mapping, raw/crm_reps)
    extraction_keys = {key for asset in build_extraction_assets() for key in asset.keys}
    assets = [asset for asset in defs.assets or () if isinstance(asset, dg.AssetsDefinition)]
    extraction = [asset for asset in assets if asset.keys <= extraction_keys]
    dbt = [asset for asset in assets if asset.keys & revops_dbt_assets.keys]
    # The API connectors run only in api_sync_build (the bench reads landing files), the
    # PostgreSQL target only in its own job (the peer measures it apart: bench/postgres.py).
    elsewhere = [
        asset
        for asset in assets
        if {CONNECTORS_GROUP, POSTGRES_GROUP} & set(asset.group_names_by_key.values())
    ]
    rest = [asset for asset in assets if asset not in (*extraction, *dbt, *elsewhere)]
    selections = {
        "extract": own_selection(extraction),
        "dbt": own_selection(dbt),
        "quality": dg.AssetSelection.checks(*(defs.asset_checks or ())),
        "publish": own_selection(rest),
    }
    jobs = [dg.define_asset_job(f"bench_{phase}", selection=selections[phase]) for phase in PHASES]
    return dg.Definitions.merge(defs, dg.Definitions(jobs=jobs))


def phase_tags(phase: str) -> dict[str, str]:
    """Extraction loads every landing day present, as `make run` does: its event assets are
    daily-partitioned and take the day range as run tags (one run, not one per day)."""
    if phase != "extract":
        return {}
    from dagster_project.extraction.partitions import day_range_tags
    from dagster_project.paths import warehouse_paths
    from dagster_project.run_pipeline import landing_day_range

    return day_range_tags(*landing_day_range(warehouse_paths().landing_dir))


def _dbt_run_results() -> str | None:
    """The dbt step writes its artifacts to `dbt_run_target()` (one folder, the last run's)."""
    from dagster_project.transformation.project import dbt_run_target

    found = dbt_run_target() / "run_results.json"
    return str(found) if found.exists() else None


def execute(phase: str, as_of_date: str) -> dict[str, Any]:
    from dagster_project.cli.instance import run_instance
    from dagster_project.resources import default_warehouse

    definitions = bench_definitions()
    # DAGSTER_HOME's instance, with the settings of a command-line run (cli/instance.py).
    instance = run_instance()
    result = definitions.resolve_job_def(f"bench_{phase}").execute_in_process(
        instance=instance,
        resources={"warehouse": default_warehouse(as_of_date)},
        tags=phase_tags(phase),
        raise_on_error=False,
    )
    steps = {
        stats.step_key: round(stats.end_time - stats.start_time, 3)
        for stats in instance.get_run_step_stats(result.run_id)
        if stats.start_time is not None and stats.end_time is not None
    }
    return {
        "phase": phase,
        "success": result.success,
        "run_id": result.run_id,
        "failed_steps": [e.step_key for e in result.all_events if e.is_step_failure],
        "steps": steps,
        "dbt_run_results": _dbt_run_results() if phase == "dbt" else None,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("phase", choices=PHASES)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--as-of", default="", help="as-of date (default: dbt_project.yml)")
    args = parser.parse_args(argv)
    outcome = execute(args.phase, args.as_of)
    args.out.write_text(json.dumps(outcome, indent=2))
    if not outcome["success"]:
        raise SystemExit(f"{args.phase} failed at {outcome['failed_steps']}")


if __name__ == "__main__":
    main()
