"""Split a loaded source table into accepted rows and quarantined rows, in SQL.

Works on the temp table `_loaded` (every record of every file of one source table, with
`_source_file` and `_source_line`). Each record breaking a rule of extraction/rules.py lands once
in `quarantine.rejected_rows`, blamed on the first rule it breaks, with the record itself as JSON;
`quarantine.load_audit` keeps rows read / loaded / quarantined per table for the accounting check.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from dagster_project.extraction.rules import FX_TABLE, RULES, Rule
from dagster_project.source_catalog import SourceTable

QUARANTINE_DDL = (
    "create schema if not exists quarantine",
    """create table if not exists quarantine.rejected_rows (
        source_table varchar, source_file varchar, source_line bigint, record_id varchar,
        field varchar, reason varchar, record json, loaded_at timestamp)""",
    """create table if not exists quarantine.load_audit (
        source_table varchar primary key, rows_read bigint, rows_loaded bigint,
        rows_quarantined bigint, loaded_at timestamp)""",
)


@dataclass(frozen=True)
class Accounting:
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    # (reason summary, count, example file:line), most frequent first
    top_reasons: tuple[tuple[str, int, str], ...]

    @property
    def reject_share(self) -> float:
        return self.rows_quarantined / self.rows_read if self.rows_read else 0.0


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _value(expr: str) -> str:
    return f"coalesce(cast({expr} as varchar), 'null')"


def _present(expr: str) -> str:
    """True when the value holds more than whitespace: `nullif(trim(x), '') is not null`.

    A first character that is printable ASCII and not a space survives trim(), so most values
    skip trim()'s copy of every string (a full pass over tens of millions of keys otherwise).
    """
    text = f"cast({expr} as varchar)"
    return f"coalesce(ascii({text}) between 33 and 126 or trim({text}) <> '', false)"


def _violation(rule: Rule, typed: bool = False) -> tuple[str, str]:
    """(predicate true when the row breaks the rule, SQL for the reason text).

    `typed`: the rule reads a column the file format already typed (Parquet timestamps): it
    cannot be blank or unparseable, and formatting it as text to find out costs a full pass.
    """
    # Parenthesised: `->>` binds looser than `not in` and comparisons in DuckDB.
    e = f"({rule.expr})"
    v = _value(e)
    if typed and rule.kind in ("required", "timestamp", "epoch", "date", "month", "number"):
        return (f"{e} is null" if rule.kind == "required" else "false"), "'missing value'"
    present = _present(e)
    if rule.kind == "required":
        return f"not ({present})", "'missing value'"
    if rule.kind == "timestamp":
        return (
            f"{present} and try_cast({e} as timestamptz) is null",
            f"'unparseable timestamp: ' || {v}",
        )
    if rule.kind == "epoch":
        return f"{present} and try_cast({e} as bigint) is null", f"'unparseable epoch: ' || {v}"
    if rule.kind == "date":
        return f"{present} and try_cast({e} as date) is null", f"'unparseable date: ' || {v}"
    if rule.kind == "month":
        return f"{present} and try_strptime({e}, '%Y-%m') is null", f"'unparseable month: ' || {v}"
    if rule.kind == "number":
        return f"{present} and try_cast({e} as double) is null", f"'unparseable number: ' || {v}"
    if rule.kind == "non_negative":
        return (
            f"{present} and coalesce(try_cast({e} as double) < 0, true)",
            f"case when try_cast({e} as double) is null then 'unparseable number: ' "
            f"else 'negative amount: ' end || {v}",
        )
    if rule.kind == "enum":
        allowed = ", ".join(_sql_text(value) for value in rule.values)
        return (
            f"{present} and {e} not in ({allowed})",
            f"'unknown value: ' || {v}",
        )
    if rule.kind == "currency":
        known = f"select 'EUR' union select distinct upper(currency) from raw.{FX_TABLE}"
        return f"{present} and upper({e}) not in ({known})", f"'unknown currency: ' || {v}"
    return (
        f"{present} and {e} not in (select {rule.parent_key} from raw.{rule.parent})",
        f"'orphan reference to {rule.parent}: ' || {v}",
    )


def _key_expr(table: SourceTable) -> str:
    return " || '|' || ".join(f"coalesce(cast(\"{k}\" as varchar), '')" for k in table.key)


def _rejects_sql(table: SourceTable, typed_columns: frozenset[str] = frozenset()) -> str:
    """Rejected records with the first rule each breaks; `typed_columns` as in `_violation`."""
    key = _key_expr(table)
    branches = []
    for order, rule in enumerate(RULES.get(table.raw_table, ())):
        predicate, reason = _violation(rule, rule.expr.strip('"') in typed_columns)
        branches.append(
            f"select _source_file, _source_line, {key} as record_id, "
            f"{_sql_text(rule.field)} as field, {reason} as reason, {order} as rule_order "
            f"from _loaded where {predicate}"
        )
    # The same key twice: the latest record (last file, last line) wins, earlier ones are rejected.
    # Only the records of a repeated key are ranked: a hash aggregate over the keys finds them,
    # where ranking every record would sort the whole table with its file and line.
    latest_first = "order by _source_file desc, _source_line desc"
    branches.append(
        f"select _source_file, _source_line, {key} as record_id, "
        f"{_sql_text(', '.join(table.key))} as field, "
        "'duplicate key: a later record wins' as reason, 1000 as rule_order from _loaded "
        f"where {key} in (select {key} from _loaded group by 1 having count(*) > 1) "
        f"qualify row_number() over (partition by {key} {latest_first}) > 1"
    )
    union = "\nunion all\n".join(branches)
    first_broken_rule = "partition by _source_file, _source_line order by rule_order"
    return (
        f"select * exclude (rule_order) from ({union}) "
        f"qualify row_number() over ({first_broken_rule}) = 1"
    )


def split_rejects(
    con: duckdb.DuckDBPyConnection, table: SourceTable, loaded_at_sql: str
) -> Accounting:
    """Write accepted rows to raw.<table>, rejects to quarantine; return the accounting."""
    for statement in QUARANTINE_DDL:
        con.execute(statement)
    typed = con.execute(
        "select column_name from (describe _loaded) where column_type not in ('VARCHAR', 'JSON')"
    ).fetchall()
    rejects = _rejects_sql(table, frozenset(row[0] for row in typed))
    con.execute(f"create or replace temp table _rejects as {rejects}")
    rows_quarantined = con.execute("select count(*) from _rejects").fetchone()[0]
    # Without rejects (the usual export) nothing is joined: raw is one straight copy.
    rejected = (
        "anti join _rejects as r using (_source_file, _source_line)" if rows_quarantined else ""
    )
    con.execute(
        f"create or replace table raw.{table.raw_table} as "
        f"select l.*, {loaded_at_sql} as _loaded_at from _loaded as l {rejected}"
    )
    con.execute("delete from quarantine.rejected_rows where source_table = ?", [table.raw_table])
    if rows_quarantined:
        con.execute(
            "insert into quarantine.rejected_rows "
            f"select {_sql_text(table.raw_table)}, r._source_file, r._source_line, r.record_id, "
            f"r.field, r.reason, to_json(l), {loaded_at_sql} from _rejects as r "
            "join _loaded as l using (_source_file, _source_line)"
        )
    rows_read = con.execute("select count(*) from _loaded").fetchone()[0]
    rows_loaded = con.execute(f"select count(*) from raw.{table.raw_table}").fetchone()[0]
    con.execute(
        f"insert or replace into quarantine.load_audit values (?, ?, ?, ?, {loaded_at_sql})",
        [table.raw_table, rows_read, rows_loaded, rows_quarantined],
    )
    top_reasons = con.execute(
        """
        select field || ': ' || regexp_replace(reason, ': .*$', '') as summary, count(*),
            min(_source_file || ':' || _source_line)
        from _rejects group by 1 order by 2 desc, 1 limit 5
        """
    ).fetchall()
    return Accounting(rows_read, rows_loaded, rows_quarantined, tuple(top_reasons))
