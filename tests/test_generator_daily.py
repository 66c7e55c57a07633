"""Daily increments of the sample generator: reproducible, dated, collision-free, shaped like the
initial export, and clean for extraction (quarantine rules and the raw GX suites)."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest

from dagster_project.extraction.loader import load_source_table
from dagster_project.extraction.rules import parent_tables
from dagster_project.metric_config import metric_vars
from dagster_project.quality.engine.gx_runner import run_suite
from dagster_project.quality.suites.raw import raw_suites
from dagster_project.source_catalog import SOURCE_TABLES, SourceTable
from generator import generate
from generator.daily import generate_day, generate_days
from generator.daily_events import LATE_SHARE, SOURCES, _late
from generator.daily_state import last_landing_date

SIZE, SEED = 200, 9
FIRST_DAY, DAYS = date(2026, 10, 1), 6
DAY_LIST = [FIRST_DAY + timedelta(days=i) for i in range(DAYS)]
DATED = re.compile(r"^[a-z]+/[a-z_]+/date=(\d{4}-\d\d-\d\d)/part-0000\.(jsonl|csv|parquet)$")
EVENT_IDS = {
    "product_tracks": ("message_id", "timestamp"),
    "marketing_page_views": ("view_id", "occurred_at"),
    "marketing_form_submissions": ("submission_id", "submitted_at"),
    "marketing_email_events": ("event_id", "occurred_at"),
}


def _digests(root: Path, pattern: str = "**/part-*") -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.glob(pattern))
    }


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], dict]:
    """An initial export and six daily increments; the export's digests before them."""
    root = tmp_path_factory.mktemp("daily")
    generate(root, size=SIZE, seed=SEED)
    initial = _digests(root)
    return root, initial, generate_days(root, FIRST_DAY, DAYS, SEED)


@pytest.fixture(scope="module")
def con(company: tuple[Path, dict[str, str], dict]) -> Iterator[duckdb.DuckDBPyConnection]:
    """`<table>` views over every file with its `landing` date (NULL for the export)."""
    root = company[0]
    connection = duckdb.connect()
    for table in SOURCE_TABLES:
        pattern = f"{root}/{table.landing_subdir}/**/*.{table.extension}"
        reader = {
            "jsonl": f"read_json_auto('{pattern}', format = 'newline_delimited', "
            "filename = true, union_by_name = true)",
            "csv": f"read_csv('{pattern}', header = true, all_varchar = true, filename = true)",
            "parquet": f"read_parquet('{pattern}', filename = true)",
        }[table.file_format]
        connection.execute(
            f"create view {table.raw_table} as select *, "
            "try_cast(regexp_extract(filename, 'date=([0-9-]+)', 1) as date) as landing "
            f"from {reader}"
        )
    yield connection
    connection.close()


def _records(root: Path, subdir: str, day: date | None) -> list[dict]:
    folder = root / subdir / (f"date={day}" if day else "")
    return [
        json.loads(line)
        for path in sorted(folder.glob("part-*.jsonl"))
        for line in path.read_text().splitlines()
    ]


# --- pure helpers -----------------------------------------------------------------------------


def test_late_share_is_two_percent_and_never_the_days_last_id() -> None:
    source = SOURCES[0]
    assert _late(SEED, source, FIRST_DAY, 1).tolist() == [False]
    many = _late(SEED, source, FIRST_DAY, 200_000)
    assert not many[-1]
    assert abs(many.mean() - LATE_SHARE) < 0.002
    assert np.array_equal(many, _late(SEED, source, FIRST_DAY, 200_000))
    assert not np.array_equal(many, _late(SEED, source, FIRST_DAY + timedelta(days=1), 200_000))


# --- layout and determinism -------------------------------------------------------------------


def test_increments_only_add_dated_files_and_leave_the_export_alone(company) -> None:
    root, initial, rows = company
    files = _digests(root)
    assert {name: files[name] for name in initial} == initial
    added = sorted(set(files) - set(initial))
    assert all(DATED.match(name) for name in added), [n for n in added if not DATED.match(n)]
    assert {date.fromisoformat(DATED.match(n).group(1)) for n in added} == set(DAY_LIST)
    assert last_landing_date(root) == DAY_LIST[-1]
    # The returned counts are the files' rows, and only tables with rows have a file.
    for day, counts in rows.items():
        written = {}
        for name in added:
            if f"date={day}" in name:
                system, table = name.split("/")[:2]
                path = root / name
                written[f"{system}_{table}"] = (
                    pq.read_metadata(path).num_rows
                    if path.suffix == ".parquet"
                    else len(path.read_text().splitlines()) - (path.suffix == ".csv")
                )
        assert written == counts
        assert all(count > 0 for count in counts.values())
    # Every day has product activity, every business day FX rates.
    assert all(counts["product_tracks"] > 0 for counts in rows.values())
    assert [("billing_fx_rates" in rows[d]) for d in DAY_LIST] == [
        d.weekday() < 5 for d in DAY_LIST
    ]


def test_a_day_regenerated_from_the_same_landing_and_seed_is_byte_identical(
    company, tmp_path: Path
) -> None:
    root, _, rows = company
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    day = DAY_LIST[2]
    # Later days are present: a day reads only what was delivered before it.
    assert generate_day(copy, day, SEED) == rows[day]
    assert _digests(copy, f"*/*/date={day}/*") == _digests(root, f"*/*/date={day}/*")
    generate_day(copy, day, SEED + 1)
    changed = _digests(copy, f"*/*/date={day}/*")
    assert changed["product/tracks/date=2026-10-03/part-0000.parquet"] != _digests(
        root, f"*/*/date={day}/*"
    ).get("product/tracks/date=2026-10-03/part-0000.parquet")


def test_days_must_follow_the_landing(company, tmp_path: Path) -> None:
    root = company[0]
    with pytest.raises(ValueError, match="inside the initial export"):
        generate_day(root, date(2026, 9, 30), SEED)
    with pytest.raises(ValueError, match="days must follow"):
        generate_day(root, DAY_LIST[-1] + timedelta(days=2), SEED)


def test_rewriting_the_export_drops_the_increments_that_continued_it(tmp_path: Path) -> None:
    generate(tmp_path, size=12, seed=3)
    generate_day(tmp_path, FIRST_DAY, 3)
    assert list(tmp_path.glob("*/*/date=*"))
    generate(tmp_path, size=12, seed=3)
    assert not list(tmp_path.glob("*/*/date=*"))


# --- events -------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw_table", [*EVENT_IDS, "billing_subscription_events"])
def test_event_ids_never_collide_with_earlier_deliveries(con, raw_table: str) -> None:
    key = EVENT_IDS.get(raw_table, ("id",))[0]
    rows, keys, daily = con.execute(
        f"select count(*), count(distinct {key}), count(landing) from {raw_table}"
    ).fetchone()
    assert rows == keys
    if raw_table != "marketing_email_events":  # email replays five weeks back: none yet
        assert daily > 0


def _event_time(raw_table: str) -> str:
    column = EVENT_IDS[raw_table][1]
    return column if raw_table == "product_tracks" else f"{column}::timestamptz::timestamp"


@pytest.mark.parametrize("raw_table", ["product_tracks", "marketing_page_views"])
def test_late_events_arrive_the_next_day_with_their_original_time(con, raw_table: str) -> None:
    key = EVENT_IDS[raw_table][0]
    moment = _event_time(raw_table)
    late = con.execute(f"""
        select landing, {key}, {moment} as at from {raw_table}
        where landing is not null and {moment} < landing::timestamp order by 1, 2""").fetchall()
    assert late, "no late rows delivered"
    for landing, event_id, at in late:
        # Late rows belong to the previous day, and that day's own file never held them.
        assert landing - timedelta(days=1) == at.date()
        held = con.execute(
            f"select count(*) from {raw_table} where {key} = ? and landing = ?",
            [event_id, landing - timedelta(days=1)],
        ).fetchone()[0]
        assert held == 0
    # About 2% of the replayed days' events (days 1..5; day 6's late rows are still out).
    replayed = con.execute(f"""
        select count(*) from {raw_table}
        where {moment} >= '{DAY_LIST[0]}' and {moment} < '{DAY_LIST[-1]}'""").fetchone()[0]
    assert 0.003 <= len(late) / replayed <= 0.05
    # The last day's own events are all on time, since day 7 is not written yet.
    assert all(landing != DAY_LIST[-1] or at.date() == DAY_LIST[-2] for landing, _, at in late)


def test_replayed_events_copy_the_same_weekday_a_week_earlier(con) -> None:
    """Day D's on-time tracks are D - 7's with times shifted by seven days and new ids."""
    day = DAY_LIST[3]
    today = con.execute(f"""
        select user_id, workspace_id, timestamp - interval 7 day from product_tracks
        where landing = '{day}' and timestamp >= '{day}'
        order by 3, 1""").fetchall()
    week_ago = con.execute(f"""
        select user_id, workspace_id, timestamp from product_tracks
        where timestamp >= '{day - timedelta(days=7)}' and timestamp < '{day - timedelta(days=6)}'
        order by 3, 1""").fetchall()
    # Today's late share is delivered tomorrow: what is here is a subset of the replay.
    assert set(today) <= set(week_ago) and len(today) >= 0.9 * len(week_ago)
    signed_up = con.execute(
        "select count(*) from product_tracks where landing is not null and event = 'Signed Up'"
    ).fetchone()[0]
    assert signed_up == 0  # a replayed sign-up is a login: users sign up once


# --- CRM ----------------------------------------------------------------------------------------


def _versions(root: Path, subdir: str) -> dict[str, list[tuple[date | None, dict]]]:
    """Every delivered version per id, in delivery order."""
    versions: dict[str, list[tuple[date | None, dict]]] = {}
    for day in [None, *DAY_LIST]:
        for record in _records(root, subdir, day):
            versions.setdefault(record["id"], []).append((day, record))
    return versions


def test_a_stage_change_is_a_newer_deal_version_with_its_history_entry_first(company) -> None:
    moves = corrections = 0
    for versions in _versions(company[0], "crm/deals").values():
        for (_, before), (day, after) in zip(versions, versions[1:], strict=False):
            assert after["updatedAt"] > before["updatedAt"]
            assert after["updatedAt"].startswith(day.isoformat())
            old, new = before["properties"], after["properties"]
            history = after["propertiesWithHistory"]["dealstage"]
            if new["dealstage"] != old["dealstage"]:
                moves += 1
                assert history[0] == {
                    "value": new["dealstage"],
                    "timestamp": after["updatedAt"],
                    "sourceType": "CRM_UI",
                }
                assert history[1:] == before["propertiesWithHistory"]["dealstage"]
                assert new["amount"] == old["amount"]
            else:
                corrections += 1
                assert new["amount"] != old["amount"]
                assert history == before["propertiesWithHistory"]["dealstage"]
                assert {k: v for k, v in new.items() if k != "amount"} == {
                    k: v for k, v in old.items() if k != "amount"
                }
    assert moves >= 1 and corrections >= 1, (moves, corrections)


def test_new_leads_and_corrected_contacts(company, con) -> None:
    root = company[0]
    export_max = con.execute(
        "select max(id::bigint) from crm_contacts where landing is null"
    ).fetchone()[0]
    new = corrected = 0
    for versions in _versions(root, "crm/contacts").values():
        first_day, first = versions[0]
        if first_day is not None:  # created by an increment
            new += 1
            assert int(first["id"]) > export_max
            props = first["properties"]
            assert props["lifecyclestage"] == "lead" and props["bant_qualified_at"] is None
            assert first["createdAt"] == first["updatedAt"] == props["createdate"]
            assert first["createdAt"].startswith(first_day.isoformat())
            assert [e["value"] for e in first["propertiesWithHistory"]["lifecyclestage"]] == [
                "lead"
            ]
        for (_, before), (_, after) in zip(versions, versions[1:], strict=False):
            corrected += 1
            assert after["updatedAt"] > before["updatedAt"]
            assert after["properties"]["jobtitle"] != before["properties"]["jobtitle"]
    assert new > 0 and corrected > 0
    # Parents come in the same file or earlier: companies of contacts, contacts of forms.
    dangling = con.execute("""
        select count(*) from crm_contacts as c where c.landing is not null
            and not exists (select 1 from crm_companies as p
                where p.id = c.properties.associatedcompanyid
                    and coalesce(p.landing, date '2000-01-01')
                        <= c.landing)""").fetchone()[0]
    orphan_forms = con.execute("""
        select count(*) from marketing_form_submissions as f where f.landing is not null
            and not exists (select 1 from crm_contacts as c where c.id = f.contact_id
                and coalesce(c.landing, date '2000-01-01') <= f.landing)""").fetchone()[0]
    assert dangling == 0 and orphan_forms == 0


# --- billing -------------------------------------------------------------------------------------


def test_subscription_events_carry_the_new_subscription_version(company) -> None:
    root = company[0]
    late = 0
    for day in DAY_LIST:
        events = _records(root, "billing/subscription_events", day)
        versions = {s["id"]: s for s in _records(root, "billing/subscriptions", day)}
        assert {e["data"]["object"]["id"] for e in events} == set(versions)
        for event in events:
            snapshot = event["data"]["object"]
            assert snapshot == versions[snapshot["id"]]
            deleted = event["type"] == "customer.subscription.deleted"
            assert deleted == (snapshot["status"] == "canceled")
            if deleted:
                assert snapshot["ended_at"] == event["created"]
            created = datetime.fromtimestamp(event["created"], UTC).date()
            if created < day.replace(day=1):
                late += 1  # a webhook from last month delivered late
            else:
                assert created == day
    assert late > 0


# --- extraction -------------------------------------------------------------------------------


def _load_order() -> list[SourceTable]:
    """Catalogue tables with every rule parent before its children."""
    ordered: list[SourceTable] = []
    pending = list(SOURCE_TABLES)
    while pending:
        done = {t.raw_table for t in ordered}
        ready = [t for t in pending if parent_tables(t.raw_table) <= done]
        ordered += ready
        pending = [t for t in pending if t not in ready]
    return ordered


@pytest.mark.e2e
def test_extraction_of_export_and_increments_quarantines_nothing_and_passes_raw_suites(
    company, tmp_path: Path
) -> None:
    """Needs the incremental loader (it reads `date=` folders), in main."""
    root, _, rows = company
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    for table in _load_order():
        result = load_source_table(con, table, root, datetime(2026, 10, 7, 6))
        assert result.accounting.rows_quarantined == 0, (table.raw_table, result.accounting)
        dated = [f for f in result.files if "/date=" in f]
        expected = sum(1 for counts in rows.values() if table.raw_table in counts)
        assert len(dated) == expected, table.raw_table
    failed = [
        (suite.name, outcome.rule, outcome.observed)
        for suite in raw_suites(metric_vars())
        for outcome in run_suite(con, suite)
        if not outcome.success
    ]
    con.close()
    assert failed == []


# --- CLI --------------------------------------------------------------------------------------


def test_cli_writes_increments_and_continues_after_the_last_day(tmp_path: Path, capsys) -> None:
    from generator.cli import main

    main(["--size", "12", "--seed", "3", "--out", str(tmp_path), "--days", "2"])
    main(["--seed", "3", "--out", str(tmp_path), "--continue", "--days", "1"])
    days = sorted({p.name for p in tmp_path.glob("*/*/date=*")})
    assert days == ["date=2026-10-01", "date=2026-10-02", "date=2026-10-03"]
    assert "wrote date=2026-10-03" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--out", str(tmp_path), "--continue"])
