"""Which rows the data tests of incremental models check (transformation/test_window.py), on a
hand-written manifest and a tiny DuckDB file: an events model replaced by landing day, and a
model rebuilt by month; a model not in the file is built whole and tested whole."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from dagster_project.extraction.ledger import LEDGER, LEDGER_DDL
from dagster_project.transformation.test_window import (
    TESTS_BUILT_WHOLE,
    TESTS_REBUILT_FROM,
    rebuilt_from_day,
    rows_tested_env,
)

AS_OF = "2026-10-03"
SOURCE = "source.revops_warehouse.product.product_tracks"
MANIFEST = {
    "sources": {SOURCE: {"identifier": "product_tracks"}},
    "nodes": {
        "model.revops_warehouse.stg_product__tracks": {
            "unique_id": "model.revops_warehouse.stg_product__tracks",
            "resource_type": "model",
            "name": "stg_product__tracks",
            "schema": "staging",
            "alias": "stg_product__tracks",
            "config": {"materialized": "incremental", "unique_key": "landing_date"},
            "depends_on": {"nodes": [SOURCE]},
        },
        "model.revops_warehouse.fct_mrr": {
            "unique_id": "model.revops_warehouse.fct_mrr",
            "resource_type": "model",
            "name": "fct_mrr",
            "schema": "marts",
            "alias": "fct_mrr",
            "config": {"materialized": "incremental", "incremental_strategy": "mrr_rebuild_scope"},
            "depends_on": {"nodes": []},
        },
        "model.revops_warehouse.dim_accounts": {
            "unique_id": "model.revops_warehouse.dim_accounts",
            "resource_type": "model",
            "schema": "marts",
            "alias": "dim_accounts",
            "config": {"materialized": "table"},
            "depends_on": {"nodes": []},
        },
    },
}


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The ledger of three loads (the export on day 1, days 2 and 3 later, and another table's
    day 1 loaded last), and the two incremental models built after the export's load."""
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    for statement in LEDGER_DDL:
        connection.execute(statement)
    connection.execute(
        f"insert into {LEDGER} (source_table, source_file, landing_date, loaded_at) values "
        "('product_tracks', 'tracks/part-0000.parquet', '2026-10-01', '2026-10-01 06:00'), "
        "('product_tracks', 'tracks/date=2026-10-02/a.jsonl', '2026-10-02', '2026-10-03 06:00'), "
        "('product_tracks', 'tracks/date=2026-10-03/a.jsonl', '2026-10-03', '2026-10-03 06:00'), "
        "('marketing_page_views', 'page_views/b.csv', '2026-09-01', '2026-10-03 07:00')"
    )
    connection.execute("create schema staging")
    connection.execute("create schema marts")
    connection.execute(
        "create table staging.stg_product__tracks as "
        "select timestamp '2026-10-01 06:00' as loaded_at"
    )
    connection.execute("create table marts.fct_mrr as select 1 as id")
    yield connection
    connection.close()


def test_an_incremental_run_tests_from_the_first_day_loaded_since_the_last_build(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # Days 2 and 3 were loaded after the model's newest row; the page views are another
    # model's source.
    assert rebuilt_from_day(con, MANIFEST, AS_OF, full_refresh=False) == "2026-10-02"


def test_without_a_load_since_the_last_build_the_window_starts_at_the_as_of_date(
    con: duckdb.DuckDBPyConnection,
) -> None:
    con.execute("update staging.stg_product__tracks set loaded_at = timestamp '2026-10-03 06:00'")
    assert rebuilt_from_day(con, MANIFEST, AS_OF, full_refresh=False) == AS_OF


def test_a_full_refresh_tests_every_row(con: duckdb.DuckDBPyConnection) -> None:
    assert rows_tested_env(con, MANIFEST, AS_OF, full_refresh=True) == {
        TESTS_REBUILT_FROM: "",
        TESTS_BUILT_WHOLE: "",
    }


def test_a_model_not_built_yet_has_every_row_tested_and_the_others_their_window(
    con: duckdb.DuckDBPyConnection,
) -> None:
    con.execute("drop table marts.fct_mrr")
    assert rows_tested_env(con, MANIFEST, AS_OF, full_refresh=False) == {
        TESTS_REBUILT_FROM: "2026-10-02",
        TESTS_BUILT_WHOLE: "fct_mrr",
    }
    con.execute("drop table staging.stg_product__tracks")
    assert rows_tested_env(con, MANIFEST, AS_OF, full_refresh=False) == {
        TESTS_REBUILT_FROM: AS_OF,
        TESTS_BUILT_WHOLE: "fct_mrr stg_product__tracks",
    }


def test_a_model_built_from_staging_models_tests_from_the_first_day_loaded_since_its_stamp(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # The staging model holds every load (a build failed after it); the signals model, built
    # from it and stamped with the newest load its last build read, still has days 2 and 3 to
    # rewrite.
    signals = {
        "unique_id": "model.revops_warehouse.int_lead_signals_collected",
        "resource_type": "model",
        "name": "int_lead_signals_collected",
        "schema": "intermediate",
        "alias": "int_lead_signals_collected",
        "config": {"materialized": "incremental", "unique_key": "landing_date"},
        "columns": {"_source_loaded_at": {}},
        "depends_on": {"nodes": ["model.revops_warehouse.stg_product__tracks"]},
    }
    manifest = {
        "sources": MANIFEST["sources"],
        "nodes": MANIFEST["nodes"] | {"model.revops_warehouse.int_lead_signals_collected": signals},
    }
    con.execute("update staging.stg_product__tracks set loaded_at = timestamp '2026-10-03 06:00'")
    con.execute("create schema intermediate")
    con.execute(
        "create table intermediate.int_lead_signals_collected as "
        "select timestamp '2026-10-01 06:00' as _source_loaded_at"
    )
    assert rebuilt_from_day(con, manifest, AS_OF, full_refresh=False) == "2026-10-02"
    con.execute(
        "update intermediate.int_lead_signals_collected "
        "set _source_loaded_at = timestamp '2026-10-03 06:00'"
    )
    assert rebuilt_from_day(con, manifest, AS_OF, full_refresh=False) == AS_OF
