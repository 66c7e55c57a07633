"""The bench's daily phase: which day it adds, the run it measures, what a reused landing keeps."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bench.phases import phase_tags
from bench.run import PYTHON, daily_run_command, drop_increments, next_landing_day


def _landing(tmp_path: Path, *days: str) -> Path:
    landing = tmp_path / "landing"
    initial = landing / "product" / "tracks"
    initial.mkdir(parents=True)
    (initial / "part-0000.parquet").write_bytes(b"")
    for day in days:
        folder = landing / "crm" / "deals" / f"date={day}"
        folder.mkdir(parents=True)
        (folder / "part-0000.jsonl").write_text("{}\n")
    return landing


def test_the_next_day_follows_the_initial_export_then_the_last_increment(tmp_path) -> None:
    assert next_landing_day(_landing(tmp_path / "a")) == date(2026, 10, 1)
    assert next_landing_day(_landing(tmp_path / "b", "2026-10-01", "2026-10-02")) == date(
        2026, 10, 3
    )


def test_a_reused_landing_loses_only_the_daily_folders(tmp_path) -> None:
    landing = _landing(tmp_path, "2026-10-01", "2026-10-02")

    dropped = drop_increments(landing)

    assert [folder.name for folder in dropped] == ["date=2026-10-01", "date=2026-10-02"]
    assert sorted(p.relative_to(landing).as_posix() for p in landing.rglob("*.*")) == [
        "product/tracks/part-0000.parquet"
    ]
    assert next_landing_day(landing) == date(2026, 10, 1)


def test_the_daily_run_loads_exactly_its_day() -> None:
    assert daily_run_command(date(2026, 10, 1), "") == [
        PYTHON,
        "-m",
        "dagster_project.run_pipeline",
        "--from",
        "2026-10-01",
        "--to",
        "2026-10-01",
    ]
    assert daily_run_command(date(2026, 10, 1), "2026-10-01")[-2:] == ["--as-of", "2026-10-01"]


def test_only_extraction_takes_the_landing_day_range(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("REVOPS_LANDING_DIR", str(_landing(tmp_path, "2026-10-01")))

    assert phase_tags("extract") == {
        "dagster/asset_partition_range_start": "2026-09-30",
        "dagster/asset_partition_range_end": "2026-10-01",
    }
    assert phase_tags("quality") == {}
