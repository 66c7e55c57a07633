"""What the served warehouse holds: the public marts (with the time spine) and `meta`, described.

The build file keeps every layer (raw, staging, intermediate, quarantine, config), which a run
needs for its next incremental build; BI users should see only the tables they may rely on. So
the served file is not a copy of the build but a new DuckDB file holding the public schemas,
with the table and column comments dbt persisted (`persist_docs`) carried over, so a BI tool's
schema browser shows each table's and column's description.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from dagster_project.sql_text import sql_identifier, sql_text

PUBLIC_SCHEMAS = ("marts", "meta")
# meta's tables that describe the published version; the extraction ledger (meta.loaded_files)
# names landing files on the build machine and stays internal.
PUBLIC_META_TABLES = ("warehouse_version", "source_availability", "metric_availability")
# meta is written by Python, not dbt, so its descriptions live here.
META_COMMENTS = {
    "warehouse_version": "Which run published this warehouse, its as-of date and when.",
    "source_availability": "Each source table: delivered or not, files and rows loaded.",
    "metric_availability": "Each mart and metric: available, or incomplete and why.",
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


def write_served_copy(build: Path, target: Path) -> list[tuple[str, str]]:
    """Write the public tables of `build` into the new file `target`, with their comments."""
    if not build.exists():
        raise FileNotFoundError(build)
    with duckdb.connect(str(target)) as con:
        con.execute(f"attach {sql_text(str(build))} as build (read_only)")
        tables = public_tables(con, "build")
        for schema in sorted({schema for schema, _ in tables}):
            con.execute(f"create schema {sql_identifier(schema)}")
        for schema, table in tables:
            name = f"{sql_identifier(schema)}.{sql_identifier(table)}"
            con.execute(f"create table {name} as from build.{name}")
        _copy_comments(con, tables)
        con.execute("detach build")
        con.execute("checkpoint")
    return tables


def _copy_comments(con: duckdb.DuckDBPyConnection, tables: list[tuple[str, str]]) -> None:
    public = set(tables)
    for table, comment in META_COMMENTS.items():
        if ("meta", table) in public:
            con.execute(f"comment on table meta.{sql_identifier(table)} is {sql_text(comment)}")
    for schema, table, comment in con.execute(
        "select schema_name, table_name, comment from duckdb_tables() "
        "where database_name = 'build' and comment is not null"
    ).fetchall():
        if (schema, table) in public:
            name = f"{sql_identifier(schema)}.{sql_identifier(table)}"
            con.execute(f"comment on table {name} is {sql_text(comment)}")
    for schema, table, column, comment in con.execute(
        "select schema_name, table_name, column_name, comment from duckdb_columns() "
        "where database_name = 'build' and comment is not null"
    ).fetchall():
        if (schema, table) in public:
            name = f"{sql_identifier(schema)}.{sql_identifier(table)}.{sql_identifier(column)}"
            con.execute(f"comment on column {name} is {sql_text(comment)}")
