"""Build only what changed: the dbt models a run must rebuild, from what their inputs were at the
last build.

A run's extraction leaves the build warehouse's ledger saying which landing files each raw table
holds. The dbt step compares, input by input, that state with the one its last successful build
recorded (`meta.dbt_built_inputs`, in the build file itself):
- a raw table whose ledger rows or row rules changed (and the CRM mapping and reps tables, by
  their rows) marks its dbt sources changed, and every model downstream of them;
- a new as-of date marks the models that read it (`var('as_of_date')`, directly or through a
  macro), and every model downstream of them;
- anything else (the dbt project's or the pipeline's code, the first build, a build file without
  a record, a failed last build) rebuilds everything.
The other models and seeds are left as built: the build file keeps them, and publish copies the
public tables of the whole build file (publishing/served.py). A build clears the record before it
starts and writes the new one only after it succeeded, so a failed build is followed by a whole
one. Why not dbt's own selectors: `state:modified` compares code, not data, and
`source_status:fresher+` needs a `dbt source freshness` invocation (a second dbt start-up) on
a `loaded_at_field` per source, while the ledger already says exactly what each run loaded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import duckdb

from dagster_project.extraction.crm_config import MAPPING_TABLE, REPS_TABLE
from dagster_project.extraction.ledger import LEDGER, RULES_LEDGER, table_exists
from dagster_project.sql_text import sql_text
from dagster_project.transformation.build_inputs import code_digest

BUILT_INPUTS = "meta.dbt_built_inputs"
AS_OF = "as_of_date"
CODE = "code"
# A source's raw table; an object table's versions are the same input as its latest-version view.
VERSIONS_SUFFIX = "__versions"
READS_AS_OF = re.compile(r"\bas_of_date\b")
# Beside each raw table's digest, the time of its newest load at that build (appended_tables).
LOADED_THROUGH = "loaded_through."
LAST_BUILD_LOADED_THROUGH = "REVOPS_LAST_BUILD_LOADED_THROUGH"

Inputs = dict[str, str]


def _input_rows(con: duckdb.DuckDBPyConnection) -> str | None:
    """Every row an input's digest covers, as (source_table, row_text, loaded_at): the ledger's
    files with their load time, the row rules and the CRM configuration tables without one (the
    rules are recorded again at every load); None without any."""
    parts = []
    if table_exists(con, LEDGER):
        parts.append(
            f"select source_table, (source_file, landing_date, size_bytes, modified_ns, "
            f"rows_read, rows_loaded, rows_quarantined)::varchar, loaded_at from {LEDGER}"
        )
    if table_exists(con, RULES_LEDGER):
        parts.append(
            f"select source_table, 'rules ' || rules_digest, null::timestamp from {RULES_LEDGER}"
        )
    for relation in (MAPPING_TABLE, REPS_TABLE):
        if table_exists(con, relation):
            name = relation.split(".")[1]
            parts.append(f"select '{name}', t::varchar, null::timestamp from {relation} as t")
    return " union all ".join(parts) if parts else None


DIGEST = "md5(string_agg(row_text, chr(10) order by row_text))"
INPUT_COLUMNS = "(source_table, row_text, loaded_at)"


def current_inputs(con: duckdb.DuckDBPyConnection, as_of_date: str) -> Inputs:
    """What a build of the warehouse behind `con` would read: one digest per raw table (its
    ledger rows and row rules) and the time of its newest load, the CRM configuration tables,
    the code and the as-of date."""
    inputs: Inputs = {AS_OF: as_of_date, CODE: code_digest()}
    rows = _input_rows(con)
    if rows:
        for table, digest, loaded_through in con.execute(
            f"select source_table, {DIGEST}, max(loaded_at)::varchar "
            f"from ({rows}) as t{INPUT_COLUMNS} group by 1"
        ).fetchall():
            inputs[f"raw.{table}"] = digest
            if loaded_through:
                inputs[f"{LOADED_THROUGH}{table}"] = loaded_through
    return inputs


def _loaded_through(record: Inputs) -> dict[str, str]:
    return {
        key.removeprefix(LOADED_THROUGH): value
        for key, value in record.items()
        if key.startswith(LOADED_THROUGH)
    }


def last_build_env(previous: Inputs) -> dict[str, str]:
    """For the models that rebuild what arrived since their last build (macro
    health_rebuild_from_week): each raw table's newest load at the last successful build, as
    JSON; empty without a record, and they then rebuild as if everything in their lookback were
    new."""
    through = _loaded_through(previous)
    return {LAST_BUILD_LOADED_THROUGH: json.dumps(through, sort_keys=True) if through else ""}


def appended_tables(con: duckdb.DuckDBPyConnection, previous: Inputs) -> set[str]:
    """The raw tables whose rows at the last build are all still there as they were: whatever
    changed since was added by later loads (new files), nothing replaced, removed or reloaded
    under new row rules."""
    through = _loaded_through(previous)
    rows = _input_rows(con)
    if not through or not rows:
        return set()
    watermarks = ", ".join(
        f"({sql_text(table)}, cast({sql_text(value)} as timestamp))"
        for table, value in through.items()
    )
    kept = con.execute(
        f"select source_table, {DIGEST} from ({rows}) as t{INPUT_COLUMNS} "
        f"join (values {watermarks}) as w(source_table, loaded_through) using (source_table) "
        "where t.loaded_at is null or t.loaded_at <= w.loaded_through group by 1"
    ).fetchall()
    return {table for table, digest in kept if previous.get(f"raw.{table}") == digest}


def built_inputs(con: duckdb.DuckDBPyConnection) -> Inputs:
    """The inputs the last successful build recorded; empty when none did."""
    if not table_exists(con, BUILT_INPUTS):
        return {}
    return dict(con.execute(f"select input, digest from {BUILT_INPUTS}").fetchall())


def forget_built_inputs(con: duckdb.DuckDBPyConnection) -> None:
    """Before a build: if it fails half-way, the next one rebuilds everything."""
    con.execute(f"drop table if exists {BUILT_INPUTS}")


def record_built_inputs(con: duckdb.DuckDBPyConnection, inputs: Inputs) -> None:
    """After a successful build: what it was built from."""
    con.execute("create schema if not exists meta")
    con.execute(f"create or replace table {BUILT_INPUTS} (input varchar, digest varchar)")
    con.executemany(f"insert into {BUILT_INPUTS} values (?, ?)", sorted(inputs.items()))


def _macros_reading_as_of(manifest: Mapping[str, Any]) -> set[str]:
    """Macros that mention the as-of date, or call one that does."""
    macros = manifest["macros"]
    reading = {uid for uid, macro in macros.items() if READS_AS_OF.search(macro["macro_sql"])}
    grew = True
    while grew:
        callers = {
            uid
            for uid, macro in macros.items()
            if uid not in reading and reading & set(macro["depends_on"]["macros"])
        }
        reading |= callers
        grew = bool(callers)
    return reading


def reads_as_of(manifest: Mapping[str, Any]) -> set[str]:
    """Models that read the as-of date (in their SQL or a macro they call), and the models a
    data test reading it checks. A test's macros are not followed: the data tests' window
    (dbt/macros/tests/rebuilt_rows.sql) reads the date to pick rows, not to compute any."""
    macros = _macros_reading_as_of(manifest)
    found: set[str] = set()
    for uid, node in manifest["nodes"].items():
        if node["resource_type"] == "model" and (
            READS_AS_OF.search(node["raw_code"]) or macros & set(node["depends_on"]["macros"])
        ):
            found.add(uid)
        elif node["resource_type"] == "test" and READS_AS_OF.search(
            node["raw_code"] + json.dumps(node.get("test_metadata") or {})
        ):
            found |= {p for p in node["depends_on"]["nodes"] if p.startswith("model.")}
    return found


def raw_tables_upstream(manifest: Mapping[str, Any]) -> Callable[[str], frozenset[str]]:
    """A lookup: the raw tables a node reads, directly or through the nodes it reads, however
    far (an object table's versions are the same input as its latest-version view)."""
    identifiers = {
        uid: source["identifier"].removesuffix(VERSIONS_SUFFIX)
        for uid, source in manifest["sources"].items()
    }
    found: dict[str, frozenset[str]] = {}

    def upstream(uid: str) -> frozenset[str]:
        if uid not in found:
            tables: set[str] = set()
            node = manifest["nodes"].get(uid, {})
            for parent in node.get("depends_on", {}).get("nodes", ()):
                tables |= {identifiers[parent]} if parent in identifiers else upstream(parent)
            found[uid] = frozenset(tables)
        return found[uid]

    return upstream


def _downstream(manifest: Mapping[str, Any], roots: Iterable[str]) -> set[str]:
    children = manifest["child_map"]
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        uid = todo.pop()
        if uid not in seen:
            seen.add(uid)
            todo.extend(children.get(uid, ()))
    return seen


def changed_tables(previous: Inputs, current: Inputs) -> set[str]:
    """The raw tables (and CRM configuration tables) whose digest differs between two records."""
    return {
        key.removeprefix("raw.")
        for key in previous.keys() | current.keys()
        if key.startswith("raw.") and previous.get(key) != current.get(key)
    }


def builds_everything(previous: Inputs, current: Inputs) -> bool:
    """No record of a successful last build, or one of other code: nothing is known as built."""
    return not previous or previous.get(CODE) != current[CODE]


def unchanged_nodes(manifest: Mapping[str, Any], previous: Inputs, current: Inputs) -> list[str]:
    """Names of the models and seeds a build may leave as they are; empty: build everything."""
    if builds_everything(previous, current):
        return []
    changed = changed_tables(previous, current)
    roots: set[str] = {
        uid
        for uid, source in manifest["sources"].items()
        if source["identifier"].removesuffix(VERSIONS_SUFFIX) in changed
    }
    if previous.get(AS_OF) != current[AS_OF]:
        roots |= reads_as_of(manifest)
    rebuilt = _downstream(manifest, roots)
    return sorted(
        node["name"]
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] in ("model", "seed") and uid not in rebuilt
    )
