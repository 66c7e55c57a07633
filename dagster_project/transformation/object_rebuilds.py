"""When an incremental object staging model must be built whole instead.

Such a model (strategy OBJECT_STRATEGY, dbt/macros/incremental/loaded_objects.sql)
rewrites the objects with a version loaded since its last build. That is the whole change only
while loads add versions. Otherwise the model is dropped before dbt starts, and dbt builds it
from every latest version, as on a first build:
- one of its raw tables changed other than by new loads since the last build (a file replaced
  or gone, a reload under new row rules, rows moved to quarantine), or the CRM mapping it reads;
- the code changed (a model's SQL, a macro), or there is no record of a successful last build.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import duckdb

from dagster_project.transformation.build_selection import (
    VERSIONS_SUFFIX,
    Inputs,
    builds_everything,
    changed_tables,
)
from dagster_project.transformation.test_window import (
    OBJECT_STRATEGY,
    incremental_models,
    relation_name,
)


def object_models(manifest: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [
        node
        for node in incremental_models(manifest)
        if node["config"].get("incremental_strategy") == OBJECT_STRATEGY
    ]


def _raw_tables(manifest: Mapping[str, Any], node: Mapping[str, Any]) -> set[str]:
    sources = manifest["sources"]
    return {
        sources[parent]["identifier"].removesuffix(VERSIONS_SUFFIX)
        for parent in node["depends_on"]["nodes"]
        if parent in sources
    }


def models_to_rebuild_whole(
    manifest: Mapping[str, Any], previous: Inputs, current: Inputs, appended: set[str]
) -> list[Mapping[str, Any]]:
    """The object models this build must build whole; `appended`: the raw tables changed only
    by new loads since the last build (build_selection.appended_tables)."""
    models = object_models(manifest)
    if builds_everything(previous, current):
        return models
    rewritten = changed_tables(previous, current) - appended
    return [node for node in models if _raw_tables(manifest, node) & rewritten]


def drop_models(con: duckdb.DuckDBPyConnection, models: list[Mapping[str, Any]]) -> None:
    """Dropped from the build file only: publish replaces the served file when the run succeeds,
    and a failed run leaves a build without a record, which the next run builds whole."""
    for node in models:
        con.execute(f"drop table if exists {relation_name(node)}")
