"""The baseline's replay order and statements (bench/dag.py, bench/baseline.py)."""

from __future__ import annotations

from bench.baseline import data_test_statement, model_statement
from bench.dag import data_tests, model_order, model_parents


def _node(kind: str, materialized: str, parents: list[str]) -> dict:
    return {
        "resource_type": kind,
        "config": {"materialized": materialized},
        "depends_on": {"nodes": parents},
    }


# z_base <- eph (ephemeral) <- a_mart; names sort opposite to the dependencies on purpose.
MANIFEST = {
    "nodes": {
        "model.p.z_base": _node("model", "view", ["source.p.raw.t"]),
        "model.p.eph": _node("model", "ephemeral", ["model.p.z_base"]),
        "model.p.a_mart": _node("model", "table", ["model.p.eph", "seed.p.points"]),
        "model.p.m_other": _node("model", "table", ["model.p.z_base"]),
        "seed.p.points": _node("seed", "seed", []),
        "test.p.unique_a_mart_id": _node("test", "test", ["model.p.a_mart"]),
        "test.p.not_null_z_base_id": _node("test", "test", ["model.p.z_base"]),
    }
}


def test_parents_look_through_ephemeral_models_and_ignore_seeds_and_sources() -> None:
    assert model_parents(MANIFEST, "model.p.a_mart") == {"model.p.z_base"}
    assert model_parents(MANIFEST, "model.p.z_base") == set()


def test_order_builds_parents_first_and_skips_ephemeral_models() -> None:
    assert model_order(MANIFEST) == ["model.p.z_base", "model.p.a_mart", "model.p.m_other"]


def test_data_tests_are_the_test_nodes_sorted() -> None:
    assert data_tests(MANIFEST) == ["test.p.not_null_z_base_id", "test.p.unique_a_mart_id"]


def test_statements_follow_the_materialization() -> None:
    view = {"config": {"materialized": "view"}, "relation_name": '"db"."staging"."v"'}
    table = {"config": {"materialized": "table"}, "relation_name": '"db"."marts"."t"'}
    assert model_statement({**view, "compiled_code": "select 1"}) == (
        'create or replace view "db"."staging"."v" as (\nselect 1\n)'
    )
    assert model_statement({**table, "compiled_code": "select 2"}).startswith(
        'create or replace table "db"."marts"."t" as ('
    )
    assert data_test_statement({"compiled_code": "select 3"}) == (
        "select count(*) from (\nselect 3\n) as dbt_internal_test"
    )
