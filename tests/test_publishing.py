"""Publishing replaces the serving warehouse atomically and never disturbs its readers."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

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
