"""Daily health incremental on real DuckDB files and real `dbt build` runs.

The session's company is loaded and built as of 2026-09-30 (last scored week: 21 September).
The landing date 2026-10-11 then brings a week of tracks (those of 21-27 September replayed
14 days later, in the week of 5 October) and one late track: a dashboard created on Friday
25 September. The incremental build as of 2026-10-11 must
equal a `--full-refresh` build of the same raw, rebuild the weeks from Monday 7 September
(as-of - 3 lookback days - 30 signal days = 8 September), and keep every older week as built.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from dagster_project.extraction.loader import load_source_table
from dagster_project.source_catalog import SOURCE_TABLES
from tests.dbt_runs import FIRST_AS_OF, dbt_build, warehouse_file

DAY = date(2026, 10, 11)
DAY_LOAD = datetime(2026, 10, 11, 6, 0)
# Monday of 2026-10-11 - 3 - 30 days (Tuesday 8 September): the first week an incremental build
# as of DAY rebuilds.
REBUILD_FROM = date(2026, 9, 7)
# The last complete week of each build: ends Sunday 27 September, resp. Sunday 11 October.
FIRST_LAST_WEEK = date(2026, 9, 21)
DAY_LAST_WEEK = date(2026, 10, 5)
LATE_DASHBOARD_AT = datetime(2026, 9, 25, 10, 0)
HEALTH_MODELS = ("intermediate.int_account_week_signals_computed", "marts.fct_account_health")
SELECTION = ("+fct_account_health",)


def _rows(database: Path, relation: str) -> dict[str, tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return {
            row[0]: row[1:]
            for row in con.execute(
                f"select account_week_id, * exclude (account_week_id) from {relation}"
            ).fetchall()
        }


def _differences(database: Path, other: Path, relation: str) -> tuple[int, int]:
    """Rows only in `database` and rows only in `other` (EXCEPT ALL both ways)."""
    with duckdb.connect(str(database), read_only=True) as con:
        con.execute(f"attach '{other}' as other (read_only)")
        here, there = f"select * from {relation}", f"select * from other.{relation}"
        return (
            con.execute(f"select count(*) from ({here} except all {there})").fetchone()[0],
            con.execute(f"select count(*) from ({there} except all {here})").fetchone()[0],
        )


def _paying_account_with_tracks(database: Path) -> tuple[str, str, str]:
    """An account scored in the first build's last week, one of its workspaces and a user."""
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(
            """
            select signals.company_id, any_value(tracks.workspace_id), any_value(tracks.user_id)
            from intermediate.int_account_week_signals_computed as signals
            inner join staging.stg_product__workspaces as workspaces
                on signals.company_id = workspaces.company_id
            inner join staging.stg_product__tracks as tracks
                on workspaces.workspace_id = tracks.workspace_id
            where signals.week_start = ? and tracks.user_id is not null
            group by signals.company_id
            order by signals.company_id
            limit 1
            """,
            [FIRST_LAST_WEEK],
        ).fetchone()


def _write_day(landing: Path, workspace_id: str, user_id: str) -> None:
    """The landing date DAY: the tracks of 21-27 September replayed 14 days later under new ids,
    and the late dashboard of 25 September."""
    source = landing / "product" / "tracks" / "part-0000.parquet"
    folder = landing / "product" / "tracks" / f"date={DAY.isoformat()}"
    folder.mkdir(parents=True)
    with duckdb.connect() as con:
        con.execute(
            f"""
            copy (
                select * replace (
                    'health_incr_' || row_number() over () as message_id,
                    "timestamp" + interval 14 day as "timestamp",
                    received_at + interval 14 day as received_at
                )
                from read_parquet('{source}')
                where "timestamp" >= timestamp '2026-09-21' and "timestamp" < timestamp '2026-09-28'
                union all
                select * replace (
                    'health_late_dashboard' as message_id,
                    'Dashboard Created' as event,
                    ? as user_id,
                    ? as workspace_id,
                    null as feature_name,
                    ?::timestamp as "timestamp",
                    ?::timestamp as received_at
                )
                from (select * from read_parquet('{source}') limit 1) as template
            ) to '{folder}/part-0000.parquet' (format parquet)
            """,
            [user_id, workspace_id, LATE_DASHBOARD_AT, LATE_DASHBOARD_AT],
        )


@dataclass(frozen=True)
class Story:
    incremental: Path
    full_refresh: Path
    moved_back: Path
    company_id: str
    before: dict[str, dict[str, tuple]]
    columns: list[str]
    day_tracks: int
    new_week_active_users: int
    # What dbt said about parsing in the builds on another warehouse file and another date.
    parse_notes: list[str]


@pytest.fixture(scope="module")
def story(
    first_dbt_build: Path,
    landing: tuple[Path, dict[str, int]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Story]:
    work = tmp_path_factory.mktemp("health_incremental")
    landing_dir = work / "landing"
    shutil.copytree(landing[0], landing_dir)
    warehouse = warehouse_file(work, "incremental")

    shutil.copyfile(first_dbt_build, warehouse)
    before = {relation: _rows(warehouse, relation) for relation in HEALTH_MODELS}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = [row[0] for row in con.execute(f"describe {HEALTH_MODELS[0]}").fetchall()]
    company_id, workspace_id, user_id = _paying_account_with_tracks(warehouse)

    _write_day(landing_dir, workspace_id, user_id)
    with duckdb.connect() as con:
        day_files = landing_dir / "product" / "tracks" / f"date={DAY.isoformat()}" / "*.parquet"
        written = con.execute(f"select count(*) from read_parquet('{day_files}')").fetchone()[0]
    tracks = next(table for table in SOURCE_TABLES if table.raw_table == "product_tracks")
    with duckdb.connect(str(warehouse)) as con:
        load_source_table(con, tracks, landing_dir, DAY_LOAD, (DAY, DAY))
    dbt_build(warehouse, DAY.isoformat(), "--select", *SELECTION)

    full_refresh = warehouse_file(work, "full_refresh")
    shutil.copyfile(warehouse, full_refresh)
    outputs = [dbt_build(full_refresh, DAY.isoformat(), "--select", *SELECTION, "--full-refresh")]

    # The as-of date moved back to the first one: the weeks after it must go.
    moved_back = warehouse_file(work, "moved_back")
    shutil.copyfile(warehouse, moved_back)
    moved = (m.split(".")[1] for m in HEALTH_MODELS)
    outputs.append(dbt_build(moved_back, FIRST_AS_OF, "--select", *moved))

    with duckdb.connect(str(warehouse), read_only=True) as con:
        new_week_active_users = con.execute(
            f"select sum(active_users) from {HEALTH_MODELS[0]} where week_start = ?",
            [DAY_LAST_WEEK],
        ).fetchone()[0]
    yield Story(
        warehouse,
        full_refresh,
        moved_back,
        company_id,
        before,
        columns,
        written,
        new_week_active_users,
        [line for out in outputs for line in out.splitlines() if "partial pars" in line],
    )


@pytest.mark.parametrize("relation", HEALTH_MODELS)
def test_incremental_build_equals_full_refresh(story: Story, relation: str) -> None:
    assert _differences(story.incremental, story.full_refresh, relation) == (0, 0)


@pytest.mark.parametrize("relation", HEALTH_MODELS)
def test_weeks_before_the_rebuild_window_are_kept_as_built(story: Story, relation: str) -> None:
    after = _rows(story.incremental, relation)
    week = 1  # week_start, first column after the key
    older_before = {k: v for k, v in story.before[relation].items() if v[week] < REBUILD_FROM}
    older_after = {k: v for k, v in after.items() if v[week] < REBUILD_FROM}
    assert older_before and older_after == older_before
    # The window itself was rebuilt and grew by the new weeks.
    assert max(v[week] for v in story.before[relation].values()) == FIRST_LAST_WEEK
    assert max(v[week] for v in after.values()) == DAY_LAST_WEEK


def test_another_warehouse_file_or_as_of_date_keeps_dbts_parsed_project(story: Story) -> None:
    # A full parse logs why ("Unable to do partial parsing because ..."); a kept one says nothing.
    assert story.parse_notes == []


def test_the_new_week_of_tracks_is_scored(story: Story) -> None:
    # The replayed week is a real week of activity, not a handful of rows.
    assert story.day_tracks > 100
    assert story.new_week_active_users > 0


def test_late_track_changes_the_rebuilt_week_it_falls_in(story: Story) -> None:
    relation = HEALTH_MODELS[0]
    dashboards = story.columns.index("dashboards_created") - 1
    key = f"{story.company_id}|{FIRST_LAST_WEEK.isoformat()}"
    before = story.before[relation][key][dashboards]
    after = _rows(story.incremental, relation)[key][dashboards]
    # Friday 25 September lies in the 30 days before Monday 28 September, the end of the week
    # of 21 September: exactly one more dashboard than the first build counted.
    assert after == before + 1


@pytest.mark.parametrize("relation", HEALTH_MODELS)
def test_as_of_moved_back_removes_the_later_weeks(story: Story, relation: str) -> None:
    rows = _rows(story.moved_back, relation)
    assert max(v[1] for v in rows.values()) == FIRST_LAST_WEEK
    # Older weeks are untouched by the move; the rebuilt ones follow the raw data they read.
    assert {k for k, v in rows.items() if v[1] < REBUILD_FROM} == {
        k for k, v in story.before[relation].items() if v[1] < REBUILD_FROM
    }
