"""History without harm: a run as of an earlier date than the served warehouse builds a side
warehouse unless asked to publish; a range past the landed days is as of the last landed day."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from dagster_project.cli.history import plan_run, prepare_side_build, served_as_of_date
from dagster_project.paths import WarehousePaths

LANDED = (date(2026, 9, 30), date(2026, 10, 1))


def test_a_daily_run_after_the_served_version_publishes_silently() -> None:
    plan = plan_run(LANDED, date(2026, 10, 1), date(2026, 10, 1), served_as_of=date(2026, 9, 30))

    assert plan == plan_run(LANDED, date(2026, 10, 1), date(2026, 10, 1), None, date(2026, 9, 30))
    assert (plan.as_of_date, plan.publish, plan.warnings) == (date(2026, 10, 1), True, [])


def test_a_range_past_the_landed_days_is_as_of_the_last_landed_day_and_says_so() -> None:
    plan = plan_run(LANDED, date(2026, 10, 1), date(2026, 10, 31), served_as_of=date(2026, 9, 30))

    assert (plan.first, plan.last, plan.as_of_date, plan.publish) == (
        date(2026, 10, 1),
        date(2026, 10, 31),
        date(2026, 10, 1),
        True,
    )
    (warning,) = plan.warnings
    assert "nothing has landed after 2026-10-01" in warning
    assert "as of 2026-10-01, the last landed day" in warning


def test_an_earlier_as_of_builds_a_side_warehouse_unless_asked_to_publish() -> None:
    side = plan_run(LANDED, as_of=date(2026, 6, 30), served_as_of=date(2026, 10, 1))
    forced = plan_run(LANDED, as_of=date(2026, 6, 30), served_as_of=date(2026, 10, 1), publish=True)

    assert (side.first, side.last, side.as_of_date, side.publish) == (
        date(2026, 9, 30),
        date(2026, 10, 1),
        date(2026, 6, 30),
        False,
    )
    assert "side warehouse" in side.warnings[0] and "(as of 2026-10-01)" in side.warnings[0]
    assert (forced.as_of_date, forced.publish, forced.warnings) == (date(2026, 6, 30), True, [])


def test_a_backfill_of_past_days_builds_a_side_warehouse() -> None:
    plan = plan_run(LANDED, date(2026, 9, 30), date(2026, 9, 30), served_as_of=date(2026, 10, 1))

    assert (plan.as_of_date, plan.publish) == (date(2026, 9, 30), False)


def test_the_first_run_publishes_whatever_its_date() -> None:
    assert plan_run(LANDED, as_of=date(2019, 6, 30)).publish


def test_an_as_of_past_the_landed_days_is_kept_with_a_warning() -> None:
    plan = plan_run(LANDED, as_of=date(2026, 10, 5))

    assert plan.as_of_date == date(2026, 10, 5)
    assert plan.warnings == [
        "as of 2026-10-05, but nothing has landed after 2026-10-01: "
        "the metrics of the days between see no data"
    ]


def test_the_served_version_and_where_a_side_warehouse_goes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REVOPS_DUCKDB_PATH", raising=False)
    paths = WarehousePaths(tmp_path)
    assert served_as_of_date(paths.published_db) is None
    paths.published_db.parent.mkdir(parents=True)
    with duckdb.connect(str(paths.published_db)) as con:
        con.execute("create schema meta")
    assert served_as_of_date(paths.published_db) is None
    with duckdb.connect(str(paths.published_db)) as con:
        con.execute("create table meta.warehouse_version as select date '2026-10-01' as as_of_date")

    left_by_a_failed_run = paths.warehouse_dir / "side" / "as-of-2026-06-30" / "build"
    left_by_a_failed_run.mkdir(parents=True)
    (left_by_a_failed_run / "revops.duckdb").write_bytes(b"half loaded")

    build, published = prepare_side_build(paths, date(2026, 6, 30))

    assert served_as_of_date(paths.published_db) == date(2026, 10, 1)
    side = tmp_path / "warehouse" / "side" / "as-of-2026-06-30"
    assert (build, published) == (side / "build" / "revops.duckdb", side / "revops.duckdb")
    # The side build starts from the landing files alone, never from the served run's build.
    assert build.parent.is_dir() and not build.exists() and not published.exists()
