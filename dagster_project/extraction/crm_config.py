"""The validated CRM mapping and reps file, written to the warehouse for staging to join.

`raw.crm_mapping` holds one row per mapping entry: a contract field's account property
(`entry = 'property'`), an account value and the contract value it stands for (`'value'`; the
flags' yes/no values under `field = 'flag'`), and a custom property asked for as a typed column
(`'column'`). `raw.crm_reps` holds the reps file. Both are replaced on every run, in one
transaction, so staging always reads the mapping the rows were checked with.

Why tables, not dbt vars: the mapping then travels with the data it describes (the served
warehouse shows which mapping built it), every dbt invocation reads it without being handed it,
and dbt's parse does not depend on it, so partial parsing stays valid.
"""

from __future__ import annotations

from decimal import Decimal

import duckdb

from dagster_project.extraction.crm_mapping import CrmMapping
from dagster_project.extraction.crm_reps import Rep
from dagster_project.sql_text import sql_text

MAPPING_TABLE = "raw.crm_mapping"
REPS_TABLE = "raw.crm_reps"
_MAPPING_COLUMNS = (
    "object_type varchar, entry varchar, field varchar, contract_value varchar, "
    "account_property varchar, account_value varchar, column_type varchar, "
    "mapping_file varchar, mapping_line integer"
)
_REPS_COLUMNS = (
    "email varchar, role varchar, team varchar, quarterly_quota_eur decimal(18, 2), "
    "reps_line integer"
)


def mapping_rows(mapping: CrmMapping) -> list[tuple[object, ...]]:
    """(object_type, entry, field, contract_value, account_property, account_value,
    column_type, mapping_file, mapping_line) per entry."""
    source = mapping.source
    properties = [
        (
            p.field.object_type,
            "property",
            p.field.name,
            None,
            p.property,
            None,
            None,
            source,
            p.line,
        )
        for p in mapping.properties
    ]
    values = [
        (
            v.object_type,
            "value",
            v.field,
            v.contract_value,
            None,
            v.account_value,
            None,
            source,
            v.line,
        )
        for v in mapping.values
    ]
    columns = [
        (c.object_type, "column", c.column, None, c.property, None, c.type, source, c.line)
        for c in mapping.columns
    ]
    return [*properties, *values, *columns]


def write_crm_config(
    con: duckdb.DuckDBPyConnection, mapping: CrmMapping, reps: tuple[Rep, ...]
) -> None:
    """Replace `raw.crm_mapping` and `raw.crm_reps`, together."""
    rep_rows = [(r.email, r.role, r.team, r.quarterly_quota_eur, r.line) for r in reps]
    con.execute("create schema if not exists raw")
    con.execute("begin transaction")
    try:
        for table, columns, rows in (
            (MAPPING_TABLE, _MAPPING_COLUMNS, mapping_rows(mapping)),
            (REPS_TABLE, _REPS_COLUMNS, rep_rows),
        ):
            con.execute(f"create or replace table {table} ({columns})")
            if rows:
                con.execute(f"insert into {table} values {', '.join(map(_literals, rows))}")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def _literals(row: tuple[object, ...]) -> str:
    """A row of values inlined, not bound: see sql_text.py."""
    return "(" + ", ".join(_literal(value) for value in row) + ")"


def _literal(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, int | Decimal):
        return str(value)
    return sql_text(str(value))
