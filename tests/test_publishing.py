"""Publishing replaces the serving warehouse atomically and never disturbs its readers."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from dagster_project.extraction.ledger import LEDGER_DDL
from dagster_project.publishing.served import META_COMMENTS
from dagster_project.publishing.warehouse import publish_file, record_version


def _warehouse(path: Path, value: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(f"create table marts.answer as select {value} as value")
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_publish_replaces_the_serving_file_and_records_the_version(tmp_path: Path) -> None:
    build = _warehouse(tmp_path / "build.duckdb", 2)
    served = _warehouse(tmp_path / "served" / "revops.duckdb", 1)
    with duckdb.connect(str(build)) as con:
        record_version(con, "run-2", "2026-09-30")

    publish_file(build, served, "run-2")

    with duckdb.connect(str(served), read_only=True) as con:
        assert con.execute("select value from marts.answer").fetchone() == (2,)
        version = con.execute("select run_id, as_of_date::varchar from meta.warehouse_version")
        assert version.fetchone() == ("run-2", "2026-09-30")
    assert sorted(p.name for p in served.parent.iterdir()) == ["revops.duckdb"]


def test_a_reader_keeps_its_snapshot_while_a_new_version_is_published(tmp_path: Path) -> None:
    served = _warehouse(tmp_path / "revops.duckdb", 1)
    build = _warehouse(tmp_path / "build.duckdb", 2)
    reader = duckdb.connect(str(served), read_only=True)
    try:
        publish_file(build, served, "run-2")
        assert reader.execute("select value from marts.answer").fetchone() == (1,)
    finally:
        reader.close()
    with duckdb.connect(str(served), read_only=True) as con:
        assert con.execute("select value from marts.answer").fetchone() == (2,)


def test_a_failed_publish_leaves_the_serving_file_byte_identical(tmp_path: Path) -> None:
    served = _warehouse(tmp_path / "revops.duckdb", 1)
    before = _digest(served)

    with pytest.raises(FileNotFoundError):
        publish_file(tmp_path / "missing-build.duckdb", served, "run-3")

    assert _digest(served) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["revops.duckdb"]


def _layered_build(path: Path) -> Path:
    """A build file with every layer: raw, staging, config, quarantine, marts, meta."""
    with duckdb.connect(str(path)) as con:
        for schema in ("raw", "staging", "config", "quarantine", "marts", "meta"):
            con.execute(f"create schema {schema}")
            con.execute(f"create table {schema}.t_{schema} as select 1 as id")
        con.execute(
            "create table marts.fct_mrr as select 2 as customer_id, 10.50::decimal(18, 2) as mrr"
        )
        for statement in LEDGER_DDL:  # the file ledger, which is not served
            con.execute(statement)
        record_version(con, "run-5", "2026-09-30")
    return path


def test_the_served_file_holds_the_public_tables_with_their_comments(tmp_path: Path) -> None:
    build = _layered_build(tmp_path / "build.duckdb")
    served = tmp_path / "served" / "revops.duckdb"

    descriptions = {
        ("marts", "fct_mrr"): (
            "MRR per customer and month.\n",
            {"mrr": "Month-end MRR, EUR.", "dropped_column": "No longer in the table."},
        ),
        ("staging", "t_staging"): ("Not served.", {}),
    }

    publish_file(build, served, "run-5", descriptions=descriptions)

    with duckdb.connect(str(served), read_only=True) as con:
        tables = con.execute(
            "select schema_name || '.' || table_name, comment from duckdb_tables() order by 1"
        ).fetchall()
        assert tables == [
            ("marts.fct_mrr", "MRR per customer and month."),
            ("marts.t_marts", None),
            ("meta.warehouse_version", META_COMMENTS["warehouse_version"]),
        ]
        columns = con.execute(
            "select column_name, data_type, comment from duckdb_columns() "
            "where table_name = 'fct_mrr' order by column_index"
        ).fetchall()
        assert columns == [
            ("customer_id", "INTEGER", None),
            ("mrr", "DECIMAL(18,2)", "Month-end MRR, EUR."),
        ]
        assert con.execute("select mrr from marts.fct_mrr").fetchone() == (Decimal("10.50"),)
    # The build keeps every layer for the next incremental run.
    with duckdb.connect(str(build), read_only=True) as con:
        assert con.execute("select count(*) from duckdb_tables()").fetchone() == (9,)


def test_exports_and_the_report_run_on_the_staged_copy_and_a_failure_publishes_nothing(
    tmp_path: Path,
) -> None:
    served = _warehouse(tmp_path / "revops.duckdb", 1)
    build = _layered_build(tmp_path / "build.duckdb")
    before = _digest(served)
    seen = []

    def failing_export(staged: Path) -> None:
        with duckdb.connect(str(staged), read_only=True) as con:
            seen.append(con.execute("select run_id from meta.warehouse_version").fetchone())
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        publish_file(build, served, "run-5", before_swap=failing_export)

    assert seen == [("run-5",)]
    assert _digest(served) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build.duckdb", "revops.duckdb"]
