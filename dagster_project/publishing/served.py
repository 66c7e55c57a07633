"""What the served warehouse holds: the public marts (with the time spine) and `meta`, described.

The build file keeps every layer (raw, staging, intermediate, quarantine, config), which a run
needs for its next incremental build; BI users should see only the tables they may rely on. So
the served file is not a copy of the build but a new DuckDB file holding the public schemas,
with each table's and column's dbt description (from the manifest) as a DuckDB comment, so a BI
tool's schema browser shows what it means. The comments are written here rather than by dbt's
`persist_docs`: dbt-duckdb supports it, but it issues a query and a statement per column through
dbt, which added about 5 s to every marts build (the test suite builds the marts many times);
here the same ~330 comments take a fraction of a second, once per published version.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from dagster_project import duckdb_limits
from dagster_project.sql_text import sql_identifier, sql_text

PUBLIC_SCHEMAS = ("marts", "meta")
# meta's tables that describe the published version; the extraction ledger (meta.loaded_files)
# names landing files on the build machine and stays internal.
PUBLIC_META_TABLES = ("warehouse_version", "source_availability", "metric_availability")
# meta is written by Python, not dbt, so its descriptions live here.
META_COMMENTS = {
    "warehouse_version": "Which run published this warehouse, its as-of date, when, and the "
    "digest of the inputs it was built from.",
    "source_availability": "Each source table: delivered or not, files and rows loaded.",
    "metric_availability": "Each mart and metric: available, or incomplete and why.",
}


# (schema, table) -> (table description, {column: description})
Descriptions = dict[tuple[str, str], tuple[str, dict[str, str]]]


def model_descriptions(manifest: dict[str, Any]) -> Descriptions:
    """The rendered dbt descriptions of the models built into the public schemas."""
    return {
        (node["schema"], node["alias"] or node["name"]): (
            node["description"],
            {name: column["description"] for name, column in node["columns"].items()},
        )
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] in PUBLIC_SCHEMAS
    }


def public_tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[tuple[str, str]]:
    """(schema, table) of every public table in `catalog`, in name order."""
    rows = con.execute(
        "select schema_name, table_name from duckdb_tables() "
        f"where database_name = {sql_text(catalog)} and not temporary "
        "order by schema_name, table_name"
    ).fetchall()
    return [
        (schema, table)
        for schema, table in rows
        if schema == "marts" or (schema == "meta" and table in PUBLIC_META_TABLES)
    ]


def write_served_copy(
    build: Path, target: Path, descriptions: Descriptions | None = None
) -> list[tuple[str, str]]:
    """Write the public tables of `build` into the new file `target`, described."""
    if not build.exists():
        raise FileNotFoundError(build)
    with duckdb_limits.connect(target) as con:
        con.execute(f"attach {sql_text(str(build))} as build (read_only)")
        tables = public_tables(con, "build")
        for schema in sorted({schema for schema, _ in tables}):
            con.execute(f"create schema {sql_identifier(schema)}")
        for schema, table in tables:
            name = f"{sql_identifier(schema)}.{sql_identifier(table)}"
            con.execute(f"create table {name} as from build.{name}")
        _comment(con, tables, {**descriptions_of_meta(), **(descriptions or {})})
        con.execute("detach build")
        con.execute("checkpoint")
    return tables


def descriptions_of_meta() -> Descriptions:
    return {("meta", table): (comment, {}) for table, comment in META_COMMENTS.items()}


def _comment(
    con: duckdb.DuckDBPyConnection, tables: list[tuple[str, str]], descriptions: Descriptions
) -> None:
    columns = set(
        con.execute("select schema_name, table_name, column_name from duckdb_columns()").fetchall()
    )
    for schema, table in tables:
        table_text, column_texts = descriptions.get((schema, table), ("", {}))
        name = f"{sql_identifier(schema)}.{sql_identifier(table)}"
        if table_text:
            con.execute(f"comment on table {name} is {sql_text(table_text.strip())}")
        for column, text in column_texts.items():
            if text and (schema, table, column) in columns:
                column_name = f"{name}.{sql_identifier(column)}"
                con.execute(f"comment on column {column_name} is {sql_text(text.strip())}")
