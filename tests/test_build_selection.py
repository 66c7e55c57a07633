"""Build only what changed (transformation/build_selection.py): which models a run may leave as
built, and which object models it must build whole (transformation/object_rebuilds.py), on
hand-written manifests and a tiny DuckDB ledger."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from dagster_project.extraction.ledger import LEDGER, LEDGER_DDL, RULES_LEDGER, RULES_LEDGER_DDL
from dagster_project.transformation.build_selection import (
    AS_OF,
    CODE,
    LAST_BUILD_LOADED_THROUGH,
    LOADED_THROUGH,
    appended_tables,
    built_inputs,
    current_inputs,
    forget_built_inputs,
    last_build_env,
    record_built_inputs,
    unchanged_nodes,
)
from dagster_project.transformation.object_rebuilds import models_to_rebuild_whole


def _node(kind: str, name: str, parents: list[str], sql: str = "", macros: tuple = ()) -> dict:
    return {
        "resource_type": kind,
        "name": name,
        "raw_code": sql,
        "depends_on": {"nodes": parents, "macros": list(macros)},
    }


# deals -> stg_deals -> fct_pipeline <- stg_owners <- owners (an object table's versions);
# fct_aging reads the as-of date through a macro that calls the one reading it; dim_dates reads
# nothing that changes; a seed; a test on stg_owners that reads the date in its arguments.
SOURCE_DEALS, SOURCE_OWNERS = "source.p.crm.crm_deals", "source.p.crm.crm_owners__versions"
SOURCE_CONTACTS, SOURCE_MAPPING = "source.p.crm.crm_contacts", "source.p.crm.crm_mapping"
NODES = {
    "model.p.stg_deals": _node("model", "stg_deals", [SOURCE_DEALS]),
    "model.p.stg_owners": _node("model", "stg_owners", [SOURCE_OWNERS]),
    "model.p.fct_pipeline": _node(
        "model", "fct_pipeline", ["model.p.stg_deals", "model.p.stg_owners"]
    ),
    "model.p.fct_aging": _node("model", "fct_aging", [], macros=("macro.p.days_open",)),
    "model.p.dim_dates": _node("model", "dim_dates", []),
    "seed.p.stages": _node("seed", "stages", []),
}
MANIFEST = {
    "sources": {
        SOURCE_DEALS: {"identifier": "crm_deals"},
        SOURCE_OWNERS: {"identifier": "crm_owners__versions"},
    },
    "macros": {
        "macro.p.as_of_end": {"macro_sql": "var('as_of_date')", "depends_on": {"macros": []}},
        "macro.p.days_open": {"macro_sql": "...", "depends_on": {"macros": ["macro.p.as_of_end"]}},
    },
    "nodes": NODES,
    "child_map": {
        SOURCE_DEALS: ["model.p.stg_deals"],
        SOURCE_OWNERS: ["model.p.stg_owners"],
        "model.p.stg_deals": ["model.p.fct_pipeline"],
        "model.p.stg_owners": ["model.p.fct_pipeline"],
    },
}
BUILT = {CODE: "c1", AS_OF: "2026-10-01", "raw.crm_deals": "d1", "raw.crm_owners": "o1"}


def test_a_changed_table_rebuilds_its_subtree_only() -> None:
    now = BUILT | {"raw.crm_deals": "d2"}
    assert unchanged_nodes(MANIFEST, BUILT, now) == [
        "dim_dates",
        "fct_aging",
        "stages",
        "stg_owners",
    ]


def test_a_new_as_of_date_rebuilds_what_reads_it_through_macros_and_tests() -> None:
    manifest = MANIFEST | {
        "nodes": NODES
        | {
            "test.p.recent_owners": _node("test", "recent_owners", ["model.p.stg_owners"])
            | {
                "test_metadata": {
                    "kwargs": {"expression": "updated_at <= '{{ var(\"as_of_date\") }}'"}
                }
            }
        }
    }
    now = BUILT | {AS_OF: "2026-10-02"}
    # fct_aging by its macros; stg_owners by its test, and fct_pipeline after it.
    assert unchanged_nodes(manifest, BUILT, now) == ["dim_dates", "stages", "stg_deals"]


def test_without_a_record_or_with_new_code_everything_is_built() -> None:
    assert unchanged_nodes(MANIFEST, {}, BUILT) == []
    assert unchanged_nodes(MANIFEST, BUILT, BUILT | {CODE: "c2"}) == []


def test_a_table_new_to_the_ledger_counts_as_changed() -> None:
    previous = {key: value for key, value in BUILT.items() if key != "raw.crm_owners"}
    assert "stg_owners" not in unchanged_nodes(MANIFEST, previous, BUILT)


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    for statement in LEDGER_DDL:
        connection.execute(statement)
    connection.execute(
        f"insert into {LEDGER} (source_table, source_file, landing_date, size_bytes) values "
        "('crm_deals', 'deals/a.jsonl', '2026-10-01', 10), "
        "('crm_owners', 'owners/a.jsonl', '2026-10-01', 20)"
    )
    yield connection
    connection.close()


def test_each_table_has_its_own_digest_and_the_record_is_kept_until_forgotten(
    con: duckdb.DuckDBPyConnection,
) -> None:
    before = current_inputs(con, "2026-10-01")
    con.execute(f"update {LEDGER} set size_bytes = 11 where source_table = 'crm_deals'")
    after = current_inputs(con, "2026-10-01")
    assert {key for key in before if before[key] != after[key]} == {"raw.crm_deals"}

    assert built_inputs(con) == {}
    record_built_inputs(con, after)
    assert built_inputs(con) == after
    forget_built_inputs(con)
    assert built_inputs(con) == {}


def _ledger_row(con: duckdb.DuckDBPyConnection, path: str, size: int, loaded_at: str) -> None:
    con.execute(
        f"insert into {LEDGER} (source_table, source_file, landing_date, size_bytes, loaded_at) "
        f"values ('crm_deals', '{path}', '2026-10-02', {size}, timestamp '{loaded_at}')"
    )


def test_a_table_is_appended_while_its_files_at_the_last_build_stay_as_they_were(
    con: duckdb.DuckDBPyConnection,
) -> None:
    con.execute(f"update {LEDGER} set loaded_at = timestamp '2026-10-01 06:00:00.123456'")
    for statement in RULES_LEDGER_DDL:
        con.execute(statement)
    con.execute(
        f"insert into {RULES_LEDGER} values ('crm_deals', 'r1', timestamp '2026-10-01 06:00')"
    )
    last_build = current_inputs(con, "2026-10-01")
    assert last_build[LOADED_THROUGH + "crm_deals"] == "2026-10-01 06:00:00.123456"
    # A new file, and the same rules recorded again by the load: only appended.
    _ledger_row(con, "deals/date=2026-10-02/a.jsonl", 5, "2026-10-02 06:00")
    con.execute(f"update {RULES_LEDGER} set loaded_at = timestamp '2026-10-02 06:00'")
    assert appended_tables(con, last_build) == {"crm_deals", "crm_owners"}
    # A file of the last build loaded again (it changed), or rules that changed: rewritten.
    con.execute(
        f"update {LEDGER} set size_bytes = 12, loaded_at = timestamp '2026-10-02 06:00' "
        "where source_file = 'deals/a.jsonl'"
    )
    assert appended_tables(con, last_build) == {"crm_owners"}
    con.execute(f"delete from {LEDGER} where source_file = 'deals/a.jsonl'")
    assert appended_tables(con, last_build) == {"crm_owners"}
    # Without a record of the last build's loads, nothing counts as appended.
    assert appended_tables(con, {}) == set()


OBJECT_MODEL = _node("model", "stg_contacts", [SOURCE_CONTACTS, SOURCE_MAPPING]) | {
    "schema": "staging",
    "alias": "stg_contacts",
    "config": {"materialized": "incremental", "incremental_strategy": "replace_loaded_objects"},
}
OBJECT_MANIFEST = {
    "sources": {
        SOURCE_CONTACTS: {"identifier": "crm_contacts"},
        SOURCE_MAPPING: {"identifier": "crm_mapping"},
    },
    "nodes": {"model.p.stg_contacts": OBJECT_MODEL},
}
OBJECTS_BUILT = {CODE: "c1", "raw.crm_contacts": "c1", "raw.crm_mapping": "m1"}


def test_an_object_model_is_built_whole_unless_its_inputs_were_only_appended() -> None:
    def whole(previous: dict, current: dict, appended: set[str]) -> list[str]:
        found = models_to_rebuild_whole(OBJECT_MANIFEST, previous, current, appended)
        return [node["name"] for node in found]

    new_contacts = OBJECTS_BUILT | {"raw.crm_contacts": "c2"}
    assert whole(OBJECTS_BUILT, new_contacts, {"crm_contacts"}) == []
    assert whole(OBJECTS_BUILT, OBJECTS_BUILT, set()) == []
    assert whole(OBJECTS_BUILT, new_contacts, set()) == ["stg_contacts"]
    assert whole(OBJECTS_BUILT, OBJECTS_BUILT | {"raw.crm_mapping": "m2"}, set()) == [
        "stg_contacts"
    ]
    assert whole(OBJECTS_BUILT, OBJECTS_BUILT | {CODE: "c2"}, set()) == ["stg_contacts"]
    assert whole({}, OBJECTS_BUILT, set()) == ["stg_contacts"]


def test_the_last_builds_loads_are_passed_on_only_with_a_record() -> None:
    record = BUILT | {LOADED_THROUGH + "crm_deals": "2026-10-01 06:00:00.5"}
    assert last_build_env(record) == {
        LAST_BUILD_LOADED_THROUGH: '{"crm_deals": "2026-10-01 06:00:00.5"}'
    }
    assert last_build_env({}) == {LAST_BUILD_LOADED_THROUGH: ""}
