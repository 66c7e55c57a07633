"""Which rows the data tests of a run's incremental models check: the rows the run rebuilt.

An incremental build rewrites a window of each incremental model (the landing days loaded since
its last build, the months or weeks from the lookback on) and keeps the rest as built and tested
before. Its data tests check that window (dbt/macros/tests/rebuilt_rows.sql) when the dbt step
names the earliest landing day loaded since the last build in REVOPS_TESTS_REBUILT_FROM; left
unset, every row is tested: on a full refresh, and on the first build of a model (there was no
earlier build whose tests covered the rest).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import duckdb

from dagster_project.extraction.ledger import LEDGER, table_exists
from dagster_project.sql_text import sql_identifier, sql_text

TESTS_REBUILT_FROM = "REVOPS_TESTS_REBUILT_FROM"


def incremental_models(manifest: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("materialized") == "incremental"
    ]


def _relation(node: Mapping[str, Any]) -> str:
    return f"{sql_identifier(node['schema'])}.{sql_identifier(node['alias'])}"


def _by_landing_day(node: Mapping[str, Any]) -> bool:
    return node["config"].get("unique_key") == "landing_date"


def rebuilt_from_day(
    con: duckdb.DuckDBPyConnection,
    manifest: Mapping[str, Any],
    as_of_date: str,
    full_refresh: bool,
) -> str | None:
    """The earliest landing day an incremental build of the warehouse behind `con` will read
    (the as-of date when none was loaded since the last build), before that build runs; None
    when every row must be tested: a full refresh, or an incremental model not built yet.

    Each event staging model reads the raw rows loaded after the newest load it holds
    (macro loaded_since_last_build); the ledger says which landing days those loads were.
    """
    models = incremental_models(manifest)
    if full_refresh or not all(
        table_exists(con, f"{node['schema']}.{node['alias']}") for node in models
    ):
        return None
    days = [as_of_date]
    for node in filter(_by_landing_day, models):
        raw_tables = ", ".join(
            sql_text(manifest["sources"][parent]["identifier"])
            for parent in node["depends_on"]["nodes"]
            if parent in manifest["sources"]
        )
        (first,) = con.execute(
            f"select cast(min(landing_date) as varchar) from {LEDGER} "
            f"where source_table in ({raw_tables}) and loaded_at > "
            f"(select coalesce(max(loaded_at), timestamp '-infinity') from {_relation(node)})"
        ).fetchone()
        if first:
            days.append(first)
    return min(days)
