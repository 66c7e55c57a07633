"""Publishing on PostgreSQL: the schemas a build wrote beside the published ones swapped in at once.

dbt builds into `<schema>__build` (REVOPS_BUILD_SCHEMA_SUFFIX); only a build that passed is
published, by renaming every published schema away and every build schema into its place in one
transaction, then dropping the old ones in it too. PostgreSQL's DDL is transactional: a reader
sees the previous version of every schema or the new one, never a mix, and a failed build (or a
failed swap) leaves the published schemas as they were.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dagster_project.sql_text import sql_identifier, sql_text

# The layers dbt builds (dbt_project.yml +schema, seeds' config); raw is copied, not built.
BUILT_SCHEMAS = ("staging", "intermediate", "marts", "config")
BUILD_SUFFIX = "__build"
_PREVIOUS_SUFFIX = "__previous"


def _exists(cursor: Any, schema: str) -> bool:
    cursor.execute(f"select count(*) from pg_namespace where nspname = {sql_text(schema)}")
    return bool(cursor.fetchone()[0])


def drop_build_schemas(connection: Any, schemas: tuple[str, ...] = BUILT_SCHEMAS) -> None:
    """A fresh start for the next build: what a failed build left beside the published schemas."""
    with connection, connection.cursor() as cursor:
        for schema in schemas:
            cursor.execute(f"drop schema if exists {sql_identifier(schema + BUILD_SUFFIX)} cascade")


def start_from_published(connection: Any, tables: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Copy each published `(schema, table)` that exists into `<schema>__build`, in one
    transaction, and return the rows copied per table. `tables` are the incremental models':
    dbt finds them already built and only adds and replaces what it rebuilds, as a build on
    DuckDB does in its build file. The published tables are only read: a build that fails
    leaves them as they were."""
    copied = {}
    with connection, connection.cursor() as cursor:
        for schema, table in tables:
            cursor.execute(
                "select count(*) from pg_tables where schemaname = %s and tablename = %s",
                (schema, table),
            )
            if not cursor.fetchone()[0]:
                continue
            built = sql_identifier(schema + BUILD_SUFFIX)
            published = f"{sql_identifier(schema)}.{sql_identifier(table)}"
            copy = f"{built}.{sql_identifier(table)}"
            cursor.execute(f"create schema if not exists {built}")
            # `like ... including all`: the contract's types and not-null constraints too.
            cursor.execute(f"create table {copy} (like {published} including all)")
            cursor.execute(f"insert into {copy} select * from {published}")
            copied[f"{schema}.{table}"] = cursor.rowcount
    return copied


def publish_schemas(connection: Any, schemas: tuple[str, ...] = BUILT_SCHEMAS) -> list[str]:
    """Swap every `<schema>__build` in for `<schema>`, in one transaction; returns the schemas
    published. A schema the build did not write stays as it is."""
    published = []
    with connection, connection.cursor() as cursor:
        for schema in schemas:
            built = schema + BUILD_SUFFIX
            if not _exists(cursor, built):
                continue
            previous = schema + _PREVIOUS_SUFFIX
            cursor.execute(f"drop schema if exists {sql_identifier(previous)} cascade")
            if _exists(cursor, schema):
                cursor.execute(
                    f"alter schema {sql_identifier(schema)} rename to {sql_identifier(previous)}"
                )
            cursor.execute(
                f"alter schema {sql_identifier(built)} rename to {sql_identifier(schema)}"
            )
            cursor.execute(f"drop schema if exists {sql_identifier(previous)} cascade")
            published.append(schema)
    return published
