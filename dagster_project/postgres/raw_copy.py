"""Raw, copied from the build warehouse into PostgreSQL: what dbt's `postgres` target reads.

Extraction stays where it is (DuckDB reads the landing files, applies the row rules, quarantines
and accounts for every row); this step then copies each raw table to the server with COPY, in
one transaction per table, and recreates the latest-version view of each object table in the
same transaction, so staging never reads a half-copied table or a view without its table.
"""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from dagster_project.postgres.settings import PostgresSettings, connect
from dagster_project.source_catalog import SOURCE_TABLES, SourceTable
from dagster_project.sql_text import sql_identifier, sql_text

# JSON as `json`, not `jsonb`: it keeps each document's text as loaded, as DuckDB's JSON does,
# and the models read it through the cross-database JSON macros (dbt/macros/cross_db/).
_SCALARS = {
    "VARCHAR": "text",
    "JSON": "json",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "SMALLINT": "smallint",
    "TINYINT": "smallint",
    "DOUBLE": "double precision",
    "FLOAT": "real",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
}
# A version column that is not a time sorts last, as DuckDB's try_cast makes it (NULL).
TRY_TIMESTAMPTZ = """
create or replace function raw.try_timestamptz(value text) returns timestamptz
language plpgsql immutable as $$
begin
    return value::timestamptz;
exception when others then
    return null;
end
$$"""


def postgres_type(duckdb_type: str) -> str:
    """The PostgreSQL column type of a raw DuckDB column; nested values travel as json."""
    if duckdb_type in _SCALARS:
        return _SCALARS[duckdb_type]
    decimal = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", duckdb_type)
    if decimal:
        return f"numeric({decimal[1]}, {decimal[2]})"
    return "json"


def _export_expression(column: str, duckdb_type: str) -> str:
    quoted = sql_identifier(column)
    nested = duckdb_type not in _SCALARS and not duckdb_type.startswith("DECIMAL")
    return f"to_json({quoted})" if nested else quoted


def latest_version_view_sql(table: SourceTable) -> str:
    """PostgreSQL's form of extraction/ledger.py's latest_version_sql: the same order."""
    keys = [sql_identifier(key) for key in table.key]
    order = ["_landing_date desc", "_source_file desc", "_source_line desc"]
    if table.version_column:
        version = sql_identifier(table.version_column)
        order.insert(0, f"raw.try_timestamptz({version}) desc nulls last")
    return (
        f"create view raw.{sql_identifier(table.raw_table)} as "
        f"select distinct on ({', '.join(keys)}) * "
        f"from raw.{sql_identifier(table.raw_table + '__versions')} "
        f"order by {', '.join([*keys, *order])}"
    )


def copy_raw(build_db: Path, settings: PostgresSettings) -> dict[str, Any]:
    """Copy every raw table of `build_db` to schema raw on the server; returns rows per table."""
    views = {f"{table.raw_table}__versions": table for table in SOURCE_TABLES}
    rows: dict[str, int] = {}
    started = time.perf_counter()
    with (
        duckdb.connect(str(build_db), read_only=True) as source,
        tempfile.TemporaryDirectory(prefix="revops-pg-copy-") as scratch,
    ):
        source.execute("set TimeZone = 'UTC'")
        tables = [
            row[0]
            for row in source.execute(
                "select table_name from duckdb_tables() where schema_name = 'raw' order by 1"
            ).fetchall()
        ]
        target = connect(settings)
        try:
            with target, target.cursor() as cursor:
                cursor.execute("set time zone 'UTC'")
                cursor.execute("create schema if not exists raw")
                cursor.execute(TRY_TIMESTAMPTZ)
            for table in tables:
                csv_path = Path(scratch) / f"{table}.csv"
                with target, target.cursor() as cursor:
                    rows[table] = _copy_table(source, cursor, table, csv_path, views.get(table))
                csv_path.unlink()
            with target, target.cursor() as cursor:
                cursor.execute("analyze")
        finally:
            target.close()
    return {"copy_s": round(time.perf_counter() - started, 3), "rows": rows}


def _copy_table(
    source: duckdb.DuckDBPyConnection,
    cursor: Any,
    table: str,
    csv_path: Path,
    versions_of: SourceTable | None,
) -> int:
    """One table (and its latest-version view) in the caller's transaction."""
    columns = source.execute(
        "select column_name, data_type from information_schema.columns "
        f"where table_schema = 'raw' and table_name = {sql_text(table)} order by ordinal_position"
    ).fetchall()
    relation = f"raw.{sql_identifier(table)}"
    ddl = ", ".join(f"{sql_identifier(name)} {postgres_type(kind)}" for name, kind in columns)
    cursor.execute(f"drop table if exists {relation} cascade")
    cursor.execute(f"create table {relation} ({ddl})")
    select = ", ".join(_export_expression(name, kind) for name, kind in columns)
    source.execute(
        f"copy (select {select} from {relation}) to {sql_text(str(csv_path))} (header false)"
    )
    with csv_path.open() as handle:
        cursor.copy_expert(f"copy {relation} from stdin with (format csv)", handle)
    copied = cursor.rowcount
    if versions_of is not None:
        cursor.execute(latest_version_view_sql(versions_of))
    return copied
