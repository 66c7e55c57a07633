"""Decide which loaded records are rejected, and record them in quarantine, in SQL.

Works on the temp table `_loaded` (every record of every file of one source table, with
`_source_file`, `_source_line` and `_landing_date`). Each record breaking a rule of its table
(extraction/rules.py `table_rules`) lands once in `quarantine.rejected_rows`, blamed on the
first rule it breaks, with the record itself as JSON. The loader writes the other records to
raw; the temp table `_rejects` it leaves says which.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import duckdb

from dagster_project.extraction.json_values import shared_json_values
from dagster_project.extraction.ledger import table_exists
from dagster_project.extraction.nested_keys import nested_duplicates_sql
from dagster_project.extraction.plausibility import future_violation
from dagster_project.extraction.references import (
    checkable,
    parent_relations,
    quarantine_stored_orphans,
    reference_violation,
    relation_exists,
)
from dagster_project.extraction.rules import FX_TABLE, Rule
from dagster_project.source_catalog import SourceTable
from dagster_project.sql_text import sql_text

QUARANTINE_DDL = (
    "create schema if not exists quarantine",
    """create table if not exists quarantine.rejected_rows (
        source_table varchar, source_file varchar, source_line bigint, record_id varchar,
        field varchar, reason varchar, record json, loaded_at timestamp)""",
)


@dataclass(frozen=True)
class Accounting:
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    # (reason summary, count, its first rows as file:line in file order), most frequent first
    top_reasons: tuple[tuple[str, int, str], ...]

    @property
    def reject_share(self) -> float:
        return self.rows_quarantined / self.rows_read if self.rows_read else 0.0


def _value(expr: str) -> str:
    return f"coalesce(cast({expr} as varchar), 'null')"


def _present(expr: str) -> str:
    """True when the value holds more than whitespace: `nullif(trim(x), '') is not null`.

    A first character that is printable ASCII and not a space survives trim(), so most values
    skip trim()'s copy of every string (a full pass over tens of millions of keys otherwise).
    A `case`, not an `or`: DuckDB evaluates an `else` only for the rows its `when` leaves, but
    both sides of an `or` inside coalesce() for every row (six times the cost on Parquet keys).
    """
    text = f"cast({expr} as varchar)"
    return (
        f"case when ascii({text}) between 33 and 126 then true "
        f"else coalesce(trim({text}) <> '', false) end"
    )


def _violation(
    rule: Rule, typed: bool = False, parents: Mapping[tuple[str, str], str] | None = None
) -> tuple[str, str]:
    """(predicate true when the row breaks the rule, SQL for the reason text).

    `typed`: the rule reads a column the file format already typed (Parquet timestamps): it
    cannot be blank or unparseable, and formatting it as text to find out costs a full pass.
    `parents`: the relation of each parent table's served keys (references.parent_relations).
    """
    # Parenthesised: `->>` binds looser than `not in` and comparisons in DuckDB.
    e = f"({rule.expr})"
    v = _value(e)
    if rule.kind == "happened":
        return future_violation(rule.label, e, int(rule.values[0]), typed, _value(e))
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
        allowed = ", ".join(sql_text(value) for value in rule.values)
        return (
            f"{present} and {e} not in ({allowed})",
            f"'unknown value: ' || {v}",
        )
    if rule.kind in ("mapped", "mapped_list"):
        return _unmapped(rule, e, present, v)
    if rule.kind in ("typed", "typed_list"):
        return _unparseable(rule, e)
    if rule.kind == "currency":
        known = f"select 'EUR' union select distinct upper(currency) from raw.{FX_TABLE}"
        return f"{present} and upper({e}) not in ({known})", f"'unknown currency: ' || {v}"
    return reference_violation(rule, e, present, v, parents)


def _unmapped(rule: Rule, e: str, present: str, v: str) -> tuple[str, str]:
    """A value (or any value of a list) that the CRM mapping does not map."""
    mapped = ", ".join(sql_text(value) for value in rule.values)
    if rule.kind == "mapped":
        predicate = f"{present} and {e} not in ({mapped})" if mapped else present
        return predicate, f"'unmapped {rule.label}: ' || {v}"
    # Blank entries are a property cleared in the CRM, not a value to map.
    outside = f" and x not in ({mapped})" if mapped else ""
    unmapped = f"list_filter({e}, lambda x: trim(x) <> ''{outside})"
    return (
        f"coalesce(len({unmapped}) > 0, false)",
        f"'unmapped {rule.label}: ' || {unmapped}[1]",
    )


# What a reason calls a value of each type staging casts to (extraction/typed_fields.py).
_TYPE_LABELS = {"integer": "integer", "bigint": "integer", "boolean": "boolean", "date": "date"}
_TYPE_LABELS |= {"timestamptz": "timestamp", "epoch": "epoch"}
# Epoch seconds staging can turn into a timestamp: years 1 to 9999.
_EPOCH_RANGE = (-62135596800, 253402300799)


def _unparseable(rule: Rule, e: str) -> tuple[str, str]:
    """A value (or any value of a list) that staging's cast to `rule.sql_type` cannot read."""
    label = _TYPE_LABELS.get(rule.sql_type, "number")

    def bad(x: str) -> str:
        if rule.sql_type == "epoch":
            parsed = f"try_cast({x} as bigint) between {_EPOCH_RANGE[0]} and {_EPOCH_RANGE[1]}"
            return f"{_present(x)} and not coalesce({parsed}, false)"
        return f"{_present(x)} and try_cast({x} as {rule.sql_type}) is null"

    if rule.kind == "typed":
        return bad(e), f"'unparseable {label}: ' || {_value(e)}"
    unparseable = f"list_filter({e}, lambda x: {bad('x')})"
    return (
        f"coalesce(len({unparseable}) > 0, false)",
        f"'unparseable {label}: ' || {unparseable}[1]",
    )


def _key_expr(table: SourceTable) -> str:
    return " || '|' || ".join(f"coalesce(cast(\"{k}\" as varchar), '')" for k in table.key)


def _duplicates_sql(table: SourceTable, key: str, target: str | None) -> str:
    """Records repeating a key, but the one that wins.

    Within one landing day the latest record (last file, last line) wins. Across days an object
    keeps every version (the latest is served by the raw view), while an event is a fact
    delivered once: the first delivery wins, whether it is in this load or already in `target`.
    Only repeated keys are ranked: a hash aggregate finds them, where ranking every record would
    sort the whole table with its file and line.
    """
    later_wins = "_source_file desc, _source_line desc"
    field = sql_text(", ".join(table.key))
    if table.kind == "object":
        same_day = f"partition by _landing_date, {key} order by {later_wins}"
        return (
            f"select _source_file, _source_line, {key} as record_id, {field} as field, "
            "'duplicate key: a later record wins' as reason, 1000 as rule_order from _loaded "
            f"where {key} in (select {key} from _loaded group by 1 having count(*) > 1) "
            f"qualify row_number() over ({same_day}) > 1"
        )
    in_batch = (
        f"select _source_file, _source_line, {key} as _key, _landing_date, "
        f"row_number() over (partition by {key} order by _landing_date, {later_wins}) as _rank, "
        f"first_value(_landing_date) over (partition by {key} order by _landing_date) as _first "
        f"from _loaded where {key} in (select {key} from _loaded group by 1 having count(*) > 1)"
    )
    repeated = (
        f"select _source_file, _source_line, _key as record_id, {field} as field, "
        "case when _first < _landing_date then 'duplicate event: first delivered on ' || _first "
        "else 'duplicate key: a later record wins' end as reason, 1000 as rule_order "
        f"from ({in_batch}) where _rank > 1"
    )
    if target is None:
        return repeated
    # Rule order 999: a record repeating an earlier day's event is blamed on that delivery.
    delivered = (
        f"select {key} as _key, min(_landing_date) as _first_day from {target} "
        f"where {key} in (select {key} from _loaded) group by 1"
    )
    return (
        f"{repeated}\nunion all\n"
        f"select l._source_file, l._source_line, e._key, {field}, "
        "'duplicate event: already delivered on ' || e._first_day, 999 "
        f"from _loaded as l join ({delivered}) as e on {key} = e._key"
    )


def _rejects_sql(
    table: SourceTable,
    rules: tuple[Rule, ...],
    typed_columns: frozenset[str] = frozenset(),
    target: str | None = None,
    served: str | None = None,
    parents: Mapping[tuple[str, str], str] | None = None,
) -> str:
    """Rejected records with the first rule each breaks; `typed_columns` and `parents` as in
    `_violation`, `target` the raw table already holding other days' events (None on a first
    load), `served` the raw relation staging reads (None on a first load), for nested keys."""
    key = _key_expr(table)
    branches = [_row_rules_sql(key, rules, typed_columns, parents)] if rules else []
    branches.append(_duplicates_sql(table, key, target))
    branches.extend(nested_duplicates_sql(table.raw_table, key, served))
    union = "\nunion all\n".join(branches)
    first_broken_rule = "partition by _source_file, _source_line order by rule_order"
    return (
        f"select * exclude (rule_order) from ({union}) "
        f"qualify row_number() over ({first_broken_rule}) = 1"
    )


def _row_rules_sql(
    key: str,
    rules: tuple[Rule, ...],
    typed_columns: frozenset[str],
    parents: Mapping[tuple[str, str], str] | None = None,
) -> str:
    """The records of `_loaded` breaking a row rule, each with the first rule it breaks.

    One pass over `_loaded` for every rule (a `case` tries them in order), rather than one per
    rule: Parquet is read once, not once per rule. The JSON values the rules read are parsed
    once per record and column (`shared_json_values`), where each rule would parse its column
    again: the main cost of checking wide JSON records at scale.
    """
    violations = [
        _violation(rule, rule.expr.strip('"') in typed_columns, parents) for rule in rules
    ]
    shared, rewrite = shared_json_values(tuple(rule.expr for rule in rules))
    broken = " ".join(
        f"when {rewrite(predicate)} then {order}" for order, (predicate, _) in enumerate(violations)
    )
    fields = " ".join(
        f"when {order} then {sql_text(rule.field)}" for order, rule in enumerate(rules)
    )
    reasons = " ".join(
        f"when {order} then {rewrite(reason)}" for order, (_, reason) in enumerate(violations)
    )
    source = f"(select *, {', '.join(shared)} from _loaded)" if shared else "_loaded"
    return (
        f"select _source_file, _source_line, {key} as record_id, "
        f"case _broken_rule {fields} end as field, case _broken_rule {reasons} end as reason, "
        "_broken_rule as rule_order "
        f"from (select *, case {broken} end as _broken_rule from {source}) "
        "where _broken_rule is not null"
    )


def quarantine_rejects(
    con: duckdb.DuckDBPyConnection,
    table: SourceTable,
    rules: tuple[Rule, ...],
    target: str,
    loaded_at_sql: str,
) -> int:
    """Find the rejects of `_loaded` (temp table `_rejects`), record them in quarantine, and
    return how many there are. `target` is the raw table, for duplicates of earlier deliveries."""
    target_exists = table_exists(con, target)
    typed = con.execute(
        "select column_name from (describe _loaded) where column_type not in ('VARCHAR', 'JSON')"
    ).fetchall()
    served = f"raw.{table.raw_table}"
    rules = checkable(con, rules)
    rejects = _rejects_sql(
        table,
        rules,
        frozenset(row[0] for row in typed),
        target if target_exists else None,
        served if target_exists and relation_exists(con, served) else None,
        parent_relations(con, rules),
    )
    con.execute(f"create or replace temp table _rejects as {rejects}")
    rows_quarantined = con.execute("select count(*) from _rejects").fetchone()[0]
    if rows_quarantined:
        con.execute(
            "insert into quarantine.rejected_rows "
            f"select {sql_text(table.raw_table)}, r._source_file, r._source_line, r.record_id, "
            f"r.field, r.reason, to_json(l), {loaded_at_sql} from _rejects as r "
            "join _loaded as l using (_source_file, _source_line)"
        )
    return rows_quarantined


def quarantine_earlier_orphans(
    con: duckdb.DuckDBPyConnection,
    table: SourceTable,
    rules: tuple[Rule, ...],
    target: str,
    loaded_at_sql: str,
) -> int:
    """Rows of earlier loads whose parent is quarantined now (references.py): moved to
    quarantine; returns how many."""
    if not table_exists(con, target):
        return 0
    return quarantine_stored_orphans(
        con, table.raw_table, rules, target, _key_expr(table), loaded_at_sql
    )


def no_rejects(con: duckdb.DuckDBPyConnection) -> None:
    """The `_rejects` of a load whose files hold no records: there is nothing to check (a
    JSON-lines file without records has not even its columns for the rules to read)."""
    con.execute(
        "create or replace temp table _rejects (_source_file varchar, _source_line bigint, "
        "record_id varchar, field varchar, reason varchar)"
    )


def accounting(con: duckdb.DuckDBPyConnection) -> Accounting:
    """Rows read (`_batch_files`), loaded and quarantined, with the most frequent reasons."""
    rows_quarantined = con.execute("select count(*) from _rejects").fetchone()[0]
    rows_read = int(con.execute("select sum(rows_read) from _batch_files").fetchone()[0] or 0)
    # The examples are a reason's first rows in file order (a text sort put line 10 before 2).
    top_reasons = con.execute(
        """
        select field || ': ' || regexp_replace(reason, ': .*$', '') as summary, count(*),
            array_to_string(list(_source_file || ':' || _source_line
                order by _source_file, _source_line)[1:3], ', ')
        from _rejects group by 1 order by 2 desc, 1 limit 5
        """
    ).fetchall()
    return Accounting(rows_read, rows_read - rows_quarantined, rows_quarantined, tuple(top_reasons))
