"""The dbt project as Dagster assets: `dbt build` runs models, seeds and their tests."""

# No `from __future__ import annotations`: Dagster inspects the context annotation at runtime.
import json
from collections.abc import Iterator, Mapping
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from dagster_project.automation.faults import fail_once_unless_transient
from dagster_project.resources import WarehouseResource
from dagster_project.transformation.build_inputs import inputs_digest, published_inputs_digest
from dagster_project.transformation.build_selection import (
    appended_tables,
    built_inputs,
    current_inputs,
    forget_built_inputs,
    last_build_env,
    record_built_inputs,
    unchanged_nodes,
)
from dagster_project.transformation.cli_args import dbt_build_args
from dagster_project.transformation.failures import failed_nodes, failure_description, is_transient
from dagster_project.transformation.object_rebuilds import drop_models, models_to_rebuild_whole
from dagster_project.transformation.project import (
    DBT_PROJECT,
    dbt_run_env,
    dbt_run_target,
    patched_environ,
)
from dagster_project.transformation.test_summary import build_events, kept_verdicts
from dagster_project.transformation.test_window import (
    TESTS_BUILT_WHOLE,
    TESTS_REBUILT_FROM,
    rows_tested_env,
)
from dagster_project.transformation.translator import RevopsDbtTranslator


def unchanged_since(warehouse: WarehouseResource, as_of_date: str) -> str | None:
    """The run id of the published version when it was built from exactly this run's inputs
    (transformation/build_inputs.py), else None."""
    published = published_inputs_digest(Path(warehouse.published_database))
    if published is None:
        return None
    with warehouse.connect() as con:
        current = inputs_digest(con, as_of_date)
    digest, run_id = published
    return run_id if digest == current else None


class DbtBuildConfig(dg.Config):
    """Run config of the dbt step: `full_refresh` rebuilds the incremental models from raw
    (after a correction older than their lookback, or a change of their columns), and builds even
    when nothing changed since the published version."""

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
    as_of_date = warehouse.effective_as_of_date()
    if not config.full_refresh and (built_from := unchanged_since(warehouse, as_of_date)):
        # Nothing is yielded: the checks on the marts and the publish step are skipped, and the
        # served warehouse stays the version already built from these inputs.
        context.log.info(
            f"Nothing changed since the published version (run {built_from}, as of "
            f"{as_of_date}): the same landing files, rules, definitions and as-of date. "
            "dbt build, checks and publish are skipped."
        )
        return
    target = dbt_run_target()
    manifest = json.loads(DBT_PROJECT.manifest_path.read_text(encoding="utf-8"))
    # A bug or bad data here fails once; only a fault of the machine (a lock) is retried.
    with fail_once_unless_transient(), warehouse.connect() as con:
        inputs = current_inputs(con, as_of_date)
        previous = {} if config.full_refresh else built_inputs(con)
        unchanged = unchanged_nodes(manifest, previous, inputs)
        whole = models_to_rebuild_whole(manifest, previous, inputs, appended_tables(con, previous))
        drop_models(con, whole)
        # After the drop: a model built whole has every row tested.
        window = rows_tested_env(con, manifest, as_of_date, config.full_refresh)
        # Cleared until this build succeeds: a failed build is followed by a whole one.
        forget_built_inputs(con)
    if whole:
        context.log.info(
            "Object models built whole (an input changed other than by new loads, new code, or "
            "no record of the last build): " + ", ".join(node["name"] for node in whole)
        )
    context.log.info(
        f"{len(unchanged)} models and seeds unchanged since the last build are left as built: "
        + ", ".join(unchanged)
        if unchanged
        else "Every model is built (the first build, new code, or a failed last build)"
    )
    args = dbt_build_args(config.full_refresh, unchanged)
    # The results of the previous run must not be read as this run's if dbt dies early.
    (target / "run_results.json").unlink(missing_ok=True)
    # dbt reads the warehouse path and the as-of date from the environment, which dagster-dbt
    # copies from this process's when it starts dbt; the resource is the source of truth, so
    # the subprocess gets exactly the file this run's extraction wrote.
    run_env = dbt_run_env(warehouse.database, as_of_date, target)
    run_env.update(window)
    run_env.update(last_build_env(previous))
    context.log.info(
        f"Data tests of incremental models check the rows rebuilt from "
        f"{window[TESTS_REBUILT_FROM]} on, except in the models built whole: "
        f"{window[TESTS_BUILT_WHOLE] or 'none'}"
        if window[TESTS_REBUILT_FROM]
        else "Data tests check every row (a full refresh)"
    )
    # First: a multi-asset yields its assets parents first, and no model left as built reads a
    # rebuilt one (a model downstream of a change is rebuilt).
    kept = unchanged_keys(manifest, unchanged)
    yield from unchanged_outputs(context, kept)
    with patched_environ(run_env):
        invocation = dbt.cli(args, context=context, target_path=target, raise_on_error=False)
    tested: set[dg.AssetKey] = set()
    yield from build_events(invocation, context, tested)
    if not invocation.is_successful():
        results = target / "run_results.json"
        failures = failed_nodes(json.loads(results.read_text()) if results.exists() else {})
        returncode = invocation.process.returncode
        raise dg.Failure(
            description=failure_description(failures, returncode, target / "dbt.log"),
            # A failing test or model fails the same way again; only machine faults are retried.
            allow_retries=is_transient((message for _, message in failures), returncode),
        )
    # The tests of a model left as built did not run (dbt selects a test with all its parents):
    # its verdict is its last build's, which passed (a failed build clears the record).
    yield from kept_verdicts(context, [key for key in kept if key not in tested])
    with fail_once_unless_transient(), warehouse.connect() as con:
        record_built_inputs(con, inputs)


def unchanged_keys(manifest: Mapping[str, Any], unchanged: list[str]) -> list[dg.AssetKey]:
    """The asset keys of the models and seeds left as built, parents first."""
    translator = RevopsDbtTranslator()
    names = set(unchanged)
    nodes = {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] in ("model", "seed") and node["name"] in names
    }
    order = TopologicalSorter(
        {uid: [p for p in manifest["parent_map"].get(uid, ()) if p in nodes] for uid in nodes}
    )
    return [translator.get_asset_key(nodes[uid]) for uid in order.static_order()]


def unchanged_outputs(
    context: dg.AssetExecutionContext, kept: list[dg.AssetKey]
) -> Iterator[dg.Output]:
    """The models and seeds left as built, as outputs of this step, parents first: the checks
    and publish after it wait for every dbt asset, and read these from the build file as they
    are."""
    for key in kept:
        if key in context.selected_asset_keys:
            yield dg.Output(
                None,
                output_name=context.assets_def.get_output_name_for_asset_key(key),
                metadata={"rebuilt": False},
            )
