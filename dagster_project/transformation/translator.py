"""How dbt nodes become Dagster assets: keys by schema, groups by layer and domain."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject

from dagster_project.transformation.test_summary import summary_check_spec


class RevopsDbtTranslator(DagsterDbtTranslator):
    """Models are keyed `<layer>/<model>` (e.g. `marts/fct_mrr`) and grouped by folder.

    Sources keep the default behaviour, which reads `meta.dagster.asset_key` from each source
    table: that is how a dbt source lands on the extraction asset that loads it. An object
    table's asset writes two relations (every version, and the view of the latest one), so two
    sources may name one asset.
    """

    def __init__(self) -> None:
        super().__init__(
            settings=DagsterDbtTranslatorSettings(
                enable_asset_checks=True,
                enable_source_tests_as_checks=True,
                enable_duplicate_source_asset_keys=True,
            )
        )

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            return dg.AssetKey([_layer(dbt_resource_props), dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_asset_check_spec(
        self,
        asset_spec: dg.AssetSpec,
        manifest: Mapping[str, Any],
        unique_id: str,
        project: DbtProject | None,
    ) -> dg.AssetCheckSpec | None:
        """Every dbt test of an asset maps to its one `dbt_tests` check (transformation/
        test_summary.py); source tests land on the extraction assets.

        A failing error-severity test already stops `dbt build` (its downstream models are
        skipped and the step fails, so nothing is published). Marking source tests blocking in
        Dagster as well would make every extraction asset wait for the dbt step and split it
        into one dbt invocation per layer of the raw graph; they stay non-blocking here.
        """
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        return None if spec is None else summary_check_spec(spec.asset_key)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] != "model":
            return "config" if dbt_resource_props["resource_type"] == "seed" else None
        fqn = dbt_resource_props["fqn"]
        # fqn = [project, layer, domain?, model]: marts/revenue/fct_mrr -> marts_revenue.
        return "_".join(fqn[1:-1]) or None


def _layer(dbt_resource_props: Mapping[str, Any]) -> str:
    if dbt_resource_props["resource_type"] == "seed":
        return "config"
    fqn = dbt_resource_props["fqn"]
    return fqn[1] if len(fqn) > 2 else "models"
