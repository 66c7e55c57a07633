"""Which rows the data tests of a run's incremental models check: the rows the run rebuilt.

An incremental build rewrites a window of each incremental model (the landing days loaded since
its last build, the months or weeks from the lookback on) and keeps the rest as built and tested
before. Its data tests check that window (dbt/macros/tests/rebuilt_rows.sql) when the dbt step
names the earliest landing day loaded since the last build in REVOPS_TESTS_REBUILT_FROM. Every
row is tested on a full refresh (the variable left empty), and for a model built whole
(REVOPS_TESTS_BUILT_WHOLE): a first build, or an object model dropped to be built again
(object_rebuilds.py); there was no earlier build whose tests covered the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import duckdb

from dagster_project.extraction.ledger import LEDGER, table_exists
from dagster_project.sql_text import sql_identifier, sql_text
from dagster_project.transformation.build_selection import raw_tables_upstream

TESTS_REBUILT_FROM = "REVOPS_TESTS_REBUILT_FROM"
TESTS_BUILT_WHOLE = "REVOPS_TESTS_BUILT_WHOLE"
# The incremental strategy of the object staging models (dbt/macros/incremental/loaded_objects.sql).
OBJECT_STRATEGY = "replace_loaded_objects"


def incremental_models(manifest: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("materialized") == "incremental"
    ]


def relation_name(node: Mapping[str, Any]) -> str:
    return f"{sql_identifier(node['schema'])}.{sql_identifier(node['alias'])}"


def _built(con: duckdb.DuckDBPyConnection, node: Mapping[str, Any]) -> bool:
    return table_exists(con, f"{node['schema']}.{node['alias']}")


def _rewrites_loaded_days(node: Mapping[str, Any]) -> bool:
    """Whether the model rewrites what the landing days loaded since its last build delivered:
    events by landing day, objects by the versions loaded (macro loaded_object_keys)."""
    config = node["config"]
    return (
        config.get("unique_key") == "landing_date"
        or config.get("incremental_strategy") == OBJECT_STRATEGY
    )


def _watermark(node: Mapping[str, Any]) -> str:
    """The column holding the newest load a model has read: a staging model's own `loaded_at`,
    or the `_source_loaded_at` a model built from other models stamps on the rows it writes."""
    return "_source_loaded_at" if "_source_loaded_at" in node.get("columns", {}) else "loaded_at"


def rebuilt_from_day(
    con: duckdb.DuckDBPyConnection,
    manifest: Mapping[str, Any],
    as_of_date: str,
    full_refresh: bool,
) -> str | None:
    """The earliest landing day an incremental build of the warehouse behind `con` will read
    (the as-of date when none was loaded since the last build), before that build runs; None
    on a full refresh, when every row must be tested.

    Each event and object staging model reads the raw rows loaded after the newest load it
    holds (macro loaded_since_last_build); the ledger says which landing days those loads were.
    """
    if full_refresh:
        return None
    days = [as_of_date]
    upstream = raw_tables_upstream(manifest)
    for node in filter(_rewrites_loaded_days, incremental_models(manifest)):
        if not _built(con, node):
            continue
        raw_tables = ", ".join(sorted(map(sql_text, upstream(node["unique_id"]))))
        (first,) = con.execute(
            f"select cast(min(landing_date) as varchar) from {LEDGER} "
            f"where source_table in ({raw_tables}) and loaded_at > "
            f"(select coalesce(max({_watermark(node)}), timestamp '-infinity') "
            f"from {relation_name(node)})"
        ).fetchone()
        if first:
            days.append(first)
    return min(days)


def built_whole(con: duckdb.DuckDBPyConnection, manifest: Mapping[str, Any]) -> list[str]:
    """The incremental models that are not in the warehouse behind `con`: the build makes them
    whole, and their tests check every row."""
    return sorted(node["name"] for node in incremental_models(manifest) if not _built(con, node))


def rows_tested_env(
    con: duckdb.DuckDBPyConnection,
    manifest: Mapping[str, Any],
    as_of_date: str,
    full_refresh: bool,
) -> dict[str, str]:
    """The environment that tells the data tests of a build which rows it rebuilt."""
    return {
        TESTS_REBUILT_FROM: rebuilt_from_day(con, manifest, as_of_date, full_refresh) or "",
        TESTS_BUILT_WHOLE: " ".join(built_whole(con, manifest)),
    }
