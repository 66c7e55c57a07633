"""Landing days come from the landing folder: which day the undated initial export counts as
landed, the default day range of a run, days outside a run's range, and a 2017 history through
the real Dagster partitions."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project.extraction.assets import build_extraction_assets
from dagster_project.extraction.landing import (
    FIRST_LANDING_DAY_ENV,
    LandingLayoutError,
    initial_export_day,
    landing_dates,
)
from dagster_project.extraction.loader import ExtractionError, load_source_table
from dagster_project.extraction.partitions import day_range_tags
from dagster_project.resources import WarehouseResource
from dagster_project.run_pipeline import landing_day_range
from generator import generate
from generator.daily import generate_days
from tests.test_extraction import DEALS, _deal, _write
from tests.test_incremental_extraction import EVENTS, _event, _events, _lines

AS_OF = date(2026, 1, 1)


@pytest.fixture(autouse=True)
def _no_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(FIRST_LANDING_DAY_ENV, raising=False)


def _touch(landing: Path, *relative: str) -> None:
    for path in relative:
        (landing / path).parent.mkdir(parents=True, exist_ok=True)
        (landing / path).write_text("{}\n")


def test_the_initial_export_lands_the_day_before_the_first_increment_of_any_table(
    tmp_path: Path,
) -> None:
    _touch(
        tmp_path,
        "crm/deals/part-0000.jsonl",
        "crm/deals/date=2017-08-05/part-0000.jsonl",
        "billing/subscription_events/date=2017-08-02/part-0000.jsonl",
        # Hidden uploads and folders of no source table are not landing days.
        "crm/deals/date=2017-07-01/.part-0000.jsonl",
        "crm/unknown/date=2017-07-01/part-0000.jsonl",
    )

    assert initial_export_day(tmp_path, AS_OF) == date(2017, 8, 1)
    assert landing_dates(tmp_path, AS_OF) == [date(2017, 8, 1), date(2017, 8, 2), date(2017, 8, 5)]
    # By default a run takes every day present, whatever its as-of date.
    assert landing_day_range(tmp_path) == (date(2017, 8, 1), date(2017, 8, 5))


def test_a_lone_export_lands_on_the_as_of_date(tmp_path: Path) -> None:
    _touch(tmp_path, "crm/deals/part-0000.jsonl")

    assert initial_export_day(tmp_path, date(2017, 12, 31)) == date(2017, 12, 31)
    assert landing_day_range(tmp_path, date(2017, 12, 31)) == (date(2017, 12, 31),) * 2
    # Without an as-of date, dbt's default one.
    assert landing_day_range(tmp_path) == (date(2026, 9, 30),) * 2


def test_the_setting_wins_and_an_increment_not_after_it_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _touch(tmp_path, "crm/deals/part-0000.jsonl", "crm/deals/date=2017-08-02/part-0000.jsonl")
    monkeypatch.setenv(FIRST_LANDING_DAY_ENV, "2017-07-15")

    assert initial_export_day(tmp_path, AS_OF) == date(2017, 7, 15)
    assert landing_day_range(tmp_path) == (date(2017, 7, 15), date(2017, 8, 2))

    monkeypatch.setenv(FIRST_LANDING_DAY_ENV, "2017-08-02")
    with pytest.raises(
        LandingLayoutError,
        match=r"crm/deals/date=2017-08-02/part-0000.jsonl: landing day 2017-08-02 is not after "
        r"2017-08-02, the day the initial export landed \(REVOPS_FIRST_LANDING_DAY\)",
    ):
        initial_export_day(tmp_path, AS_OF)

    monkeypatch.setenv(FIRST_LANDING_DAY_ENV, "31/07/2017")
    with pytest.raises(LandingLayoutError, match=r"REVOPS_FIRST_LANDING_DAY='31/07/2017'"):
        initial_export_day(tmp_path, AS_OF)


def test_a_day_before_the_partitions_is_named(tmp_path: Path) -> None:
    _touch(tmp_path, "crm/deals/date=1999-12-31/part-0000.jsonl")

    with pytest.raises(
        LandingLayoutError,
        match=r"crm/deals/date=1999-12-31/part-0000.jsonl: landing day 1999-12-31 is before "
        "2000-01-01",
    ):
        landing_dates(tmp_path, AS_OF)
    with pytest.raises(ValueError, match="1999-12-31 is before 2000-01-01"):
        day_range_tags(date(1999, 12, 31), date(2000, 1, 2))


def _three_days(landing: Path) -> None:
    """The initial export (30 September, the day before the first increment), then two days."""
    _write(landing, EVENTS, "part-0000.jsonl", _lines(_event("e1")))
    _write(landing, EVENTS, "date=2026-10-01/part-0000.jsonl", _lines(_event("e2")))
    _write(landing, EVENTS, "date=2026-10-02/part-0000.jsonl", _lines(_event("e3")))


def test_an_earlier_day_never_loaded_stops_the_load_and_is_named(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    _three_days(tmp_path)

    with pytest.raises(
        ExtractionError,
        match=r"billing_subscription_events: landing days 2026-10-02 to 2026-10-02 asked for, "
        r"but 2 earlier landing day\(s\) from 2026-09-30 to 2026-10-01 .*date=2026-10-01.*"
        r"run_pipeline --from 2026-09-30",
    ):
        load_source_table(con, EVENTS, tmp_path, datetime(2026, 10, 3), (date(2026, 10, 2),) * 2)
    assert con.execute("select count(*) from meta.loaded_files").fetchone() == (0,)

    # Later days are left for the run that covers them, and said so.
    first = load_source_table(
        con, EVENTS, tmp_path, datetime(2026, 10, 3), (date(2026, 9, 30),) * 2
    )
    assert first.later_days == (date(2026, 10, 1), date(2026, 10, 2))

    # A loaded day re-delivered with other bytes is not loaded yet either.
    load_source_table(con, EVENTS, tmp_path, datetime(2026, 10, 3, 1), (date(2026, 10, 1),) * 2)
    _write(tmp_path, EVENTS, "date=2026-10-01/part-0000.jsonl", _lines(_event("e2"), _event("e4")))
    with pytest.raises(ExtractionError, match=r"day\(s\) from 2026-10-01 to 2026-10-01"):
        load_source_table(con, EVENTS, tmp_path, datetime(2026, 10, 3, 2), (date(2026, 10, 2),) * 2)


def test_an_export_first_dated_by_the_as_of_date_moves_without_loading_twice(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    # Created in May: before the day the export first counts as landed on (a later time would be
    # quarantined as a time in the future of its delivery).
    may = 1_780_000_000
    _write(tmp_path, EVENTS, "part-0000.jsonl", _lines(_event("e1", may), _event("e2", may)))
    load_source_table(con, EVENTS, tmp_path, datetime(2026, 7, 1), as_of=date(2026, 6, 30))
    initial = "billing/subscription_events/part-0000.jsonl"
    assert _events(con) == [("e1", date(2026, 6, 30), initial), ("e2", date(2026, 6, 30), initial)]

    # The first increment lands: the export now counts as landed on 30 September. A daily run
    # of the new day leaves it alone (its bytes did not change) ...
    _write(tmp_path, EVENTS, "date=2026-10-01/part-0000.jsonl", _lines(_event("e3")))
    load_source_table(con, EVENTS, tmp_path, datetime(2026, 10, 2), (date(2026, 10, 1),) * 2)
    assert [row[1] for row in _events(con)] == [date(2026, 6, 30)] * 2 + [date(2026, 10, 1)]

    # ... and a run over every day present reloads it under its new day, once.
    load_source_table(con, EVENTS, tmp_path, datetime(2026, 10, 3))
    assert _events(con) == [
        ("e1", date(2026, 9, 30), initial),
        ("e2", date(2026, 9, 30), initial),
        ("e3", date(2026, 10, 1), "billing/subscription_events/date=2026-10-01/part-0000.jsonl"),
    ]
    assert con.execute("select count(*) from quarantine.rejected_rows").fetchone() == (0,)
    assert con.execute(
        "select landing_date from meta.loaded_files where source_file = ?", [initial]
    ).fetchall() == [(date(2026, 9, 30),)]


def test_objects_still_load_every_new_file_whatever_the_range(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    _write(tmp_path, DEALS, "part-0000.jsonl", _lines(_deal("1")))
    _write(tmp_path, DEALS, "date=2026-10-01/part-0000.jsonl", _lines(_deal("2")))

    result = load_source_table(
        con, DEALS, tmp_path, datetime(2026, 10, 2), (date(2026, 10, 1),) * 2
    )

    assert result.files == (
        "crm/deals/part-0000.jsonl",
        "crm/deals/date=2026-10-01/part-0000.jsonl",
    )


def _raw_days(database: Path) -> dict[str, list[tuple[date, int]]]:
    with duckdb.connect(str(database), read_only=True) as con:
        return {
            table: con.execute(
                f"select _landing_date, count(*) from raw.{table} group by 1 order by 1"
            ).fetchall()
            for table in ("product_tracks", "billing_subscription_events", "marketing_page_views")
        }


def test_a_history_from_2017_loads_through_the_partitions_and_backfills_a_day(
    tmp_path: Path,
) -> None:
    landing, database = tmp_path / "landing", tmp_path / "build.duckdb"
    generate(landing, size=20, seed=42, start=date(2017, 8, 1), end=date(2017, 12, 31))
    generate_days(landing, date(2018, 1, 1), 2, seed=42, history_end=date(2017, 12, 31))
    warehouse = WarehouseResource(
        database=str(database), landing_dir=str(landing), published_database=str(database)
    )

    first, last = landing_day_range(landing)
    assert (first, last) == (date(2017, 12, 31), date(2018, 1, 2))
    everything = dg.materialize(
        build_extraction_assets(),
        resources={"warehouse": warehouse},
        tags=day_range_tags(first, last),
        raise_on_error=False,
    )
    assert everything.success, [e.message for e in everything.all_events if e.is_step_failure]
    loaded = _raw_days(database)
    assert [day for day, _ in loaded["product_tracks"]] == [
        date(2017, 12, 31),
        date(2018, 1, 1),
        date(2018, 1, 2),
    ]

    # A backfill of one day in the middle (the event assets only): the same rows, not twice.
    events = [a for a in build_extraction_assets() if a.partitions_def is not None]
    backfill = dg.materialize(
        events,
        resources={"warehouse": warehouse},
        tags=day_range_tags(date(2018, 1, 1), date(2018, 1, 1)),
        raise_on_error=False,
    )
    assert backfill.success, [e.message for e in backfill.all_events if e.is_step_failure]
    assert _raw_days(database) == loaded
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute("select count(*) from quarantine.rejected_rows").fetchone() == (0,)
