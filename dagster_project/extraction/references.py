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

import duckdb

from dagster_project.extraction.rules import Rule
from dagster_project.sql_text import sql_text


def reference_violation(rule: Rule, e: str, present: str, v: str) -> tuple[str, str]:
    """(predicate true when `e` names no served parent, SQL for the reason)."""
    parent = f"raw.{rule.parent}"
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
