"""Every public mart has its quality suite, in the module named after the mart's folder."""

from __future__ import annotations

import importlib
import json
from collections import defaultdict
from pathlib import Path

from dagster_project.metric_config import metric_vars
from dagster_project.quality.checks import all_suites


def _marts_by_folder(dbt_manifest: Path) -> dict[str, set[str]]:
    """The models under dbt/models/marts/<folder>/, read from the manifest (not a list here)."""
    manifest = json.loads(Path(dbt_manifest).read_text())
    marts: dict[str, set[str]] = defaultdict(set)
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and node["fqn"][1] == "marts":
            marts[node["fqn"][2]].add(node["name"])
    return dict(marts)


def test_each_marts_folder_has_a_suite_module_covering_exactly_its_marts(dbt_manifest) -> None:
    config = metric_vars()
    marts = _marts_by_folder(dbt_manifest)
    assert len(marts) >= 7
    for folder, names in marts.items():
        module = importlib.import_module(f"dagster_project.quality.suites.{folder}")
        suites = getattr(module, f"{folder}_suites")(config)
        assert {suite.asset_key for suite in suites} == {("marts", name) for name in names}


def test_every_suite_guards_a_built_asset(dbt_manifest) -> None:
    marts = {name for names in _marts_by_folder(dbt_manifest).values() for name in names}
    mart_keys = {("marts", name) for name in marts}
    for suite in all_suites(metric_vars()):
        assert suite.asset_key[0] == "raw" or suite.asset_key in mart_keys, suite.name
        assert suite.rules, f"{suite.name} has no rule"
