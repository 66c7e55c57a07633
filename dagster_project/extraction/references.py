"""Reference rules: a row whose parent is not served in raw is quarantined, naming why.

The parent raw table is the latest version of each parent object (the raw view), loaded earlier
in the run: a parent quarantined there (an unmapped deal stage, a bad date) takes its children to
quarantine with it, so the dbt relationship tests never meet a dangling reference, and a few bad
rows cost a few more rows instead of the whole run. The reason says which case it is:
"parent crm_deals 42 quarantined" (the parent's own reason is in quarantine beside it) or
"parent crm_deals 42 missing" (never delivered). A parent table without records is an optional
source the company does not deliver: nothing to check against, as dbt's relationship test does
(dbt/macros/tests/relationships.sql).
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb

from dagster_project.extraction.ledger import LEDGER, stored_table
from dagster_project.extraction.rules import Rule
from dagster_project.source_catalog import SALESFORCE_TABLES, SOURCE_TABLES
from dagster_project.sql_text import sql_text

_TABLES = {table.raw_table: table for table in (*SOURCE_TABLES, *SALESFORCE_TABLES)}


def parent_relations(
    con: duckdb.DuckDBPyConnection, rules: tuple[Rule, ...]
) -> dict[tuple[str, str], str]:
    """For each (parent table, parent key) of the reference `rules`, the relation holding the
    keys raw serves where it is not the parent's raw relation.

    An object's raw view serves the latest version of each key of its stored versions: the
    same keys, which the versions table gives without ranking every version of the parent (a
    window over all of its rows, once for each reference into it that a load checks).
    """
    relations = raw_relations(con)
    found: dict[tuple[str, str], str] = {}
    for rule in rules:
        parent = _TABLES.get(rule.parent)
        key = rule.parent_key.strip('"').lower()
        if rule.kind != "ref" or parent is None or parent.kind != "object":
            continue
        versions = stored_table(parent)
        if [k.lower() for k in parent.key] == [key] and versions.removeprefix("raw.") in relations:
            found[(rule.parent, rule.parent_key)] = versions
    return found


def served_keys(rule: Rule, parents: Mapping[tuple[str, str], str] | None) -> str:
    """The relation of the keys a reference `rule` checks: from `parents` (`parent_relations`),
    else the parent's raw relation."""
    return (parents or {}).get((rule.parent, rule.parent_key), f"raw.{rule.parent}")


def reference_violation(
    rule: Rule, e: str, present: str, v: str, parents: Mapping[tuple[str, str], str] | None = None
) -> tuple[str, str]:
    """(predicate true when `e` names no served parent, SQL for the reason); `parents` as in
    `served_keys`."""
    parent = served_keys(rule, parents)
    served = f"select {rule.parent_key} from {parent}"
    quarantined = (
        "select record_id from quarantine.rejected_rows "
        f"where source_table = {sql_text(rule.parent)}"
    )
    predicate = f"{present} and exists (select 1 from {parent}) and {e} not in ({served})"
    reason = (
        f"'parent {rule.parent} ' || {v} || case when {e} in ({quarantined}) "
        "then ' quarantined' else ' missing' end"
    )
    return predicate, reason


def raw_relations(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The tables and views of schema raw."""
    return {
        row[0]
        for row in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw'"
        ).fetchall()
    }


def relation_exists(con: duckdb.DuckDBPyConnection, relation: str) -> bool:
    """Whether `raw.<name>` is a table or a view."""
    return relation.removeprefix("raw.") in raw_relations(con)


def checkable(con: duckdb.DuckDBPyConnection, rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
    """The rules without references into a raw table that was never loaded (a table loaded on
    its own, before its parents): there is nothing to check those against yet."""
    relations = raw_relations(con)
    return tuple(rule for rule in rules if rule.kind != "ref" or rule.parent in relations)


def quarantine_stored_orphans(
    con: duckdb.DuckDBPyConnection,
    raw_table: str,
    rules: tuple[Rule, ...],
    target: str,
    key: str,
    loaded_at_sql: str,
) -> int:
    """Move rows of earlier loads whose parent has since been quarantined to quarantine too.

    A parent reloaded (its file changed, or its rules: a new CRM mapping) may now be quarantined
    while its children, loaded by an earlier run from files that did not change, still point at
    it. Only parents named in quarantine are looked for (a small set, so this is a filter on one
    column); each moved row keeps the load time of the load that read it, so that load's row
    accounting still adds up, and its file's ledger row counts it as quarantined.
    """
    quarantined_parents = {
        row[0]
        for row in con.execute(
            "select distinct source_table from quarantine.rejected_rows"
        ).fetchall()
    }
    branches = []
    parents = parent_relations(con, rules)
    for order, rule in enumerate(checkable(con, rules)):
        # Without a quarantined parent (the usual run) nothing is scanned.
        if rule.kind != "ref" or rule.parent not in quarantined_parents:
            continue
        e = f"({rule.expr})"
        branches.append(
            f"select _source_file, _source_line, {key} as record_id, {sql_text(rule.field)} "
            f"as field, 'parent {rule.parent} ' || {e} || ' quarantined' as reason, "
            f"{order} as rule_order from {target} "
            f"where _loaded_at <> {loaded_at_sql} and {e} in (select record_id from "
            f"quarantine.rejected_rows where source_table = {sql_text(rule.parent)}) "
            f"and {e} not in (select {rule.parent_key} from {served_keys(rule, parents)})"
        )
    if not branches:
        return 0
    con.execute(
        "create or replace temp table _orphans as select * exclude (rule_order) from ("
        + " union all ".join(branches)
        + ") qualify row_number() over (partition by _source_file, _source_line "
        "order by rule_order) = 1"
    )
    moved = con.execute("select count(*) from _orphans").fetchone()[0]
    if moved:
        con.execute(
            "insert into quarantine.rejected_rows "
            f"select {sql_text(raw_table)}, o._source_file, o._source_line, o.record_id, o.field, "
            f"o.reason, to_json(t), t._loaded_at from _orphans as o "
            f"join {target} as t using (_source_file, _source_line)"
        )
        con.execute(
            f"delete from {target} as t using _orphans as o "
            "where t._source_file = o._source_file and t._source_line = o._source_line"
        )
        con.execute(
            f"update {LEDGER} set rows_loaded = rows_loaded - o.n, "
            "rows_quarantined = rows_quarantined + o.n "
            "from (select _source_file, count(*) as n from _orphans group by 1) as o "
            f"where source_table = {sql_text(raw_table)} and source_file = o._source_file"
        )
    con.execute("drop table _orphans")
    return moved
