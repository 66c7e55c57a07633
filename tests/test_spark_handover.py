"""Raw handed over to Spark as Parquet (dagster_project/spark/raw_handover.py), without Spark:
a hand-made raw schema written out and read back with DuckDB. The Spark build itself is
tests/test_spark_target.py (marker `spark`, `make test-spark`)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from dagster_project.spark.build import register_args
from dagster_project.spark.raw_handover import export_expression, hand_over


def _build_file(path: Path) -> Path:
    """Two landing days of subscription events (an event table), an object table's versions and
    its latest-version view, and an empty event table."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema raw")
        con.execute(
            "create table raw.billing_subscription_events as select * from (values "
            "('evt_1', json '{\"object\": {\"id\": \"sub_1\"}}', date '2025-03-01'), "
            "('evt_2', json '{\"object\": {\"id\": \"sub_1\"}}', date '2025-03-02'), "
            "('evt_3', json '{\"object\": {\"id\": \"sub_2\"}}', date '2025-03-02')) "
            "as t(id, data, _landing_date)"
        )
        con.execute(
            "create table raw.crm_deals__versions as select * from (values "
            "('d1', {'stage': 'demo'}, 1), ('d1', {'stage': 'won'}, 2)) as t(id, properties, v)"
        )
        con.execute(
            "create view raw.crm_deals as select * from raw.crm_deals__versions where v = 2"
        )
        con.execute("create table raw.marketing_page_views (id varchar, _landing_date date)")
    return path


def test_every_raw_row_is_handed_over_and_events_are_split_by_landing_day(
    tmp_path: Path,
) -> None:
    build_db = _build_file(tmp_path / "build.duckdb")
    raw_dir = tmp_path / "spark" / "raw"
    handed_over = hand_over(build_db, raw_dir)
    assert handed_over["rows"] == {
        "billing_subscription_events": 3,
        "crm_deals": 1,
        "crm_deals__versions": 2,
        "marketing_page_views": 0,
    }
    # an empty event table has no day to split by: one file keeps its columns
    assert handed_over["partitioned"] == ["billing_subscription_events"]
    events = raw_dir / "billing_subscription_events"
    assert sorted(p.name for p in events.iterdir()) == [
        "_landing_date=2025-03-01",
        "_landing_date=2025-03-02",
    ]
    with duckdb.connect() as reader:
        by_day = reader.execute(
            f"select _landing_date, count(*) from read_parquet('{events}/*/*.parquet', "
            "hive_partitioning = true) group by 1 order by 1"
        ).fetchall()
        assert [(str(day), rows) for day, rows in by_day] == [("2025-03-01", 1), ("2025-03-02", 2)]
        # JSON and nested values travel as their JSON text
        data, properties = reader.execute(
            f"select (select data from read_parquet('{events}/*/*.parquet') where id = 'evt_3'), "
            f"(select properties from read_parquet('{raw_dir}/crm_deals/*.parquet'))"
        ).fetchone()
        assert json.loads(data) == {"object": {"id": "sub_2"}}
        assert json.loads(properties) == {"stage": "won"}
        assert reader.execute(
            f"select count(*) from read_parquet('{raw_dir}/marketing_page_views/*.parquet')"
        ).fetchone() == (0,)
    # a second handover replaces the folders (no staging folder is left beside them)
    hand_over(build_db, raw_dir)
    assert sorted(p.name for p in raw_dir.iterdir()) == sorted(handed_over["rows"])


def test_columns_keep_plain_types_and_the_rest_becomes_json_text() -> None:
    assert export_expression("amount", "DECIMAL(18,2)") == '"amount"'
    assert export_expression("at", "TIMESTAMP WITH TIME ZONE") == '"at"'
    assert export_expression("data", "JSON") == 'cast("data" as varchar) as "data"'
    assert export_expression("items", "STRUCT(id VARCHAR)[]") == (
        'cast(to_json("items") as varchar) as "items"'
    )


def test_spark_registers_what_was_handed_over(tmp_path: Path) -> None:
    args = register_args(tmp_path, {"rows": {"b": 1, "a": 2}, "partitioned": ["b"]})
    assert args[:2] == ["run-operation", "register_raw_tables"]
    assert json.loads(args[3]) == {
        "raw_dir": str(tmp_path / "raw"),
        "tables": ["a", "b"],
        "partitioned": ["b"],
    }
