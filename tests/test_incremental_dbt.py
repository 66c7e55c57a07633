"""Incremental dbt models on real DuckDB files and real `dbt build` runs.

One story, built once for the module: the session's generated company is loaded into raw and
built (as of 2026-09-30); the landing date 2026-10-01 then brings new events, a late Stripe
event created on 15 August and a product user linked to another CRM contact; an incremental
build as of 2026-10-01 must equal a `--full-refresh` build of the same raw, rewrite only the
months it may have changed, and a reprocessed landing date must not add a row.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from dagster_project.transformation.project import dbt_run_target
from tests import dbt_runs
from tests.dbt_runs import FIRST_LOAD, load_raw

DAY = date(2026, 10, 1)
DAY_LOAD = datetime(2026, 10, 1, 6, 0)
RELOAD = datetime(2026, 10, 1, 9, 0)
# The late event: created 15 August 2026, delivered with the landing date of 1 October.
LATE_EVENT_AT = datetime(2026, 8, 15, 12, 0)
LATE_MONTH = date(2026, 8, 1)
# What it sets the subscription to: 3 seats at 100.00 EUR a month, no coupon.
LATE_SEATS = 3
LATE_UNIT_AMOUNT_CENTS = 10_000

EVENT_MODELS = (
    "staging.stg_product__tracks",
    "staging.stg_marketing__page_views",
    "staging.stg_marketing__email_events",
    "staging.stg_marketing__form_submissions",
)
# Built from the event models, replaced by landing day as they are.
LEAD_SIGNALS = "intermediate.int_lead_signals_collected"
FINANCE_MARTS = (
    "marts.fct_mrr",
    "marts.fct_account_revenue_monthly",
    "marts.metrics_revenue_monthly",
    "marts.metrics_revenue_segment_monthly",
)
# Everything the finance and revenue marts read, the incremental event models and the lead
# signals built from them: enough to prove the incremental builds without the funnel, sales and
# health marts (time: one dbt build each).
SELECTION = (
    "+path:models/marts/finance",
    "+path:models/marts/revenue",
    *(name.split(".")[1] for name in (*EVENT_MODELS, LEAD_SIGNALS)),
    # The day relinks a product user to another CRM contact (_relink_a_signed_up_user).
    "stg_product__users",
)
# Data tests of two incremental models and of a table model, as compiled by a build.
WINDOWED_TESTS = (
    "unique_stg_product__tracks_event_id",
    "unique_fct_mrr_customer_month_id",
    "unique_stg_billing__customers_customer_id",
)
# Columns that say when a row was built, not what it holds.
BOOKKEEPING = {"loaded_at", "_source_loaded_at"}


def _compiled_tests_sql(names: tuple[str, ...]) -> dict[str, str]:
    """The SQL the last build compiled for these data tests (one file each under compiled/)."""
    compiled = dbt_run_target() / "compiled"
    return {name: next(compiled.rglob(f"{name}.sql")).read_text() for name in names}


def dbt_build(database: Path, as_of_date: str, *options: str) -> None:
    dbt_runs.dbt_build(database, as_of_date, "--select", *SELECTION, *options)


def _epoch(moment: datetime) -> int:
    return int((moment - datetime(1970, 1, 1)).total_seconds())


def _write_day(landing: Path, source: duckdb.DuckDBPyConnection, subscription_id: str) -> None:
    """The landing date DAY: a few new events of each kind, copied from existing rows (so every
    parent exists) under new ids, and the late Stripe event."""
    partition = f"date={DAY.isoformat()}"
    csv_tables = {
        "page_views": ("view_id", "occurred_at"),
        "email_events": ("event_id", "occurred_at"),
        "form_submissions": ("submission_id", "submitted_at"),
    }
    for name, (key, moment) in csv_tables.items():
        folder = landing / "marketing" / name / partition
        folder.mkdir(parents=True)
        source.execute(
            f"copy (select * replace ('{name}_incr_' || row_number() over () as {key}, "
            f"'2026-10-01 10:00:00+02:00' as {moment}) "
            f"from read_csv('{landing}/marketing/{name}/part-0000.csv', all_varchar = true) "
            f"limit 4) to '{folder}/part-0000.csv' (header)"
        )
    folder = landing / "product" / "tracks" / partition
    folder.mkdir(parents=True)
    source.execute(
        "copy (select * replace ('tracks_incr_' || row_number() over () as message_id, "
        "timestamp '2026-10-01 08:00:00' as \"timestamp\", "
        "timestamp '2026-10-01 08:00:05' as received_at) "
        f"from read_parquet('{landing}/product/tracks/part-0000.parquet') limit 6) "
        f"to '{folder}/part-0000.parquet' (format parquet)"
    )
    latest = source.execute(
        "select json from read_ndjson_objects(?) "
        "where json->'data'->'object'->>'id' = ? order by json->>'created' desc limit 1",
        [str(landing / "billing" / "subscription_events" / "part-0000.jsonl"), subscription_id],
    ).fetchone()[0]
    event = json.loads(latest)
    event.update(id="evt_late_test", type="customer.subscription.updated")
    event["created"] = _epoch(LATE_EVENT_AT)
    event["data"]["object"].update(
        status="active",
        discount=None,
        currency="EUR",
        cancel_at_period_end=False,
        canceled_at=None,
        ended_at=None,
    )
    event["data"]["object"]["items"]["data"] = [
        {
            "id": "si_late_test",
            "object": "subscription_item",
            "quantity": LATE_SEATS,
            "price": {
                "id": "price_late_test",
                "object": "price",
                "unit_amount": LATE_UNIT_AMOUNT_CENTS,
                "currency": "EUR",
                "recurring": {"interval": "month", "interval_count": 1},
                "product": "prod_late_test",
            },
        }
    ]
    folder = landing / "billing" / "subscription_events" / partition
    folder.mkdir(parents=True)
    (folder / "part-0000.jsonl").write_text(json.dumps(event) + "\n", encoding="utf-8")


def _relink_a_signed_up_user(landing: Path, source: duckdb.DuckDBPyConnection) -> tuple[str, str]:
    """A new version of a user who signed up before DAY, linked to another CRM contact: its
    sign-up, landed long before, becomes that contact's signal. Returns (user, new contact)."""
    users = f"{landing}/product/users/part-0000.jsonl"
    user, contact = source.execute(
        f"""
        select users.user_id, (
            select min(crm_contact_id) from read_json_auto('{users}')
            where crm_contact_id is not null and crm_contact_id <> users.crm_contact_id
        )
        from read_json_auto('{users}') as users
        inner join read_parquet('{landing}/product/tracks/part-0000.parquet') as tracks
            on tracks.user_id = users.user_id and tracks.event = 'Signed Up'
        where users.crm_contact_id is not null
        order by users.user_id
        limit 1
        """
    ).fetchone()
    folder = landing / "product" / "users" / f"date={DAY.isoformat()}"
    folder.mkdir(parents=True)
    source.execute(
        f"copy (select * replace ('{contact}' as crm_contact_id) from read_json_auto('{users}') "
        f"where user_id = '{user}') to '{folder}/part-0000.jsonl' (format json)"
    )
    return user, contact


def _quiet_eur_customer(database: Path) -> tuple[str, str]:
    """A customer with one subscription, billed in EUR, paying from July to September 2026 with
    no event since June and not already at the late event's 300.00: the late event alone moves
    its MRR."""
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(
            """
            select events.customer_id, any_value(events.subscription_id)
            from staging.stg_billing__subscription_events as events
            inner join marts.fct_mrr as july
                on july.customer_id = events.customer_id
                and july.month_start = date '2026-07-01'
                and july.currency = 'EUR'
                and july.mrr_eur not in (0, 300)
            group by events.customer_id
            having count(distinct events.subscription_id) = 1
                and max(events.occurred_at) < timestamp '2026-07-01'
                and (select count(*) from marts.fct_mrr as later
                     where later.customer_id = events.customer_id
                     and later.month_start between date '2026-07-01' and date '2026-09-01'
                     and later.is_paying) = 3
            order by events.customer_id
            limit 1
            """
        ).fetchone()


def _rows(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, tuple]:
    return {
        row[0]: row[1:]
        for row in con.execute(
            f"select customer_month_id, * exclude (customer_month_id) from {relation}"
        ).fetchall()
    }


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    return [
        row[0]
        for row in con.execute(f"select column_name from (describe {relation})").fetchall()
        if row[0] not in BOOKKEEPING
    ]


def _differences(database: Path, other: Path, relation: str) -> tuple[int, int]:
    """Rows only in `database` and rows only in `other` (EXCEPT ALL both ways), bookkeeping
    columns aside."""
    with duckdb.connect(str(database), read_only=True) as con:
        con.execute(f"attach '{other}' as other (read_only)")
        columns = ", ".join(f'"{c}"' for c in _columns(con, relation))
        here = f"select {columns} from {relation}"
        there = f"select {columns} from other.{relation}"
        return (
            con.execute(f"select count(*) from ({here} except all {there})").fetchone()[0],
            con.execute(f"select count(*) from ({there} except all {here})").fetchone()[0],
        )


def _counts(database: Path, relations: tuple[str, ...]) -> dict[str, int]:
    with duckdb.connect(str(database), read_only=True) as con:
        return {r: con.execute(f"select count(*) from {r}").fetchone()[0] for r in relations}


@dataclass(frozen=True)
class Story:
    incremental: Path
    full_refresh: Path
    customer_id: str
    before: dict[str, tuple]
    mrr_columns: list[str]
    counts_after_day: dict[str, int]
    reprocessed: Path
    # The compiled SQL of data tests of the incremental build, by test name.
    incremental_tests_sql: dict[str, str]
    # The product user the day linked to another contact, and that contact.
    relinked: tuple[str, str]


@pytest.fixture(scope="module")
def story(
    first_dbt_build: Path,
    landing: tuple[Path, dict[str, int]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Story]:
    work = tmp_path_factory.mktemp("incremental_dbt")
    landing_dir = work / "landing"
    shutil.copytree(landing[0], landing_dir)
    warehouse = dbt_runs.warehouse_file(work, "incremental")

    shutil.copyfile(first_dbt_build, warehouse)
    customer_id, subscription_id = _quiet_eur_customer(warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        before = _rows(con, "marts.fct_mrr")
        mrr_columns = [row[0] for row in con.execute("describe marts.fct_mrr").fetchall()]

    with duckdb.connect() as scratch:
        _write_day(landing_dir, scratch, subscription_id)
        relinked = _relink_a_signed_up_user(landing_dir, scratch)
    load_raw(warehouse, landing_dir, DAY_LOAD, DAY)
    dbt_build(warehouse, DAY.isoformat())
    tests_sql = _compiled_tests_sql(WINDOWED_TESTS)

    full_refresh = dbt_runs.warehouse_file(work, "full_refresh")
    shutil.copyfile(warehouse, full_refresh)
    dbt_build(full_refresh, DAY.isoformat(), "--full-refresh")
    counts = _counts(warehouse, (*EVENT_MODELS, LEAD_SIGNALS, *FINANCE_MARTS))

    # Reprocess the landing date on a copy: same rows, new _loaded_at.
    reprocessed = dbt_runs.warehouse_file(work, "reprocessed")
    shutil.copyfile(warehouse, reprocessed)
    load_raw(reprocessed, landing_dir, RELOAD, DAY)
    dbt_build(reprocessed, DAY.isoformat())

    yield Story(
        warehouse,
        full_refresh,
        customer_id,
        before,
        mrr_columns,
        counts,
        reprocessed,
        tests_sql,
        relinked,
    )


@pytest.mark.parametrize("relation", [*EVENT_MODELS, LEAD_SIGNALS, *FINANCE_MARTS])
def test_incremental_build_equals_full_refresh(story: Story, relation: str) -> None:
    assert _differences(story.incremental, story.full_refresh, relation) == (0, 0)


def test_event_models_hold_the_new_landing_date_and_keep_the_old_rows(story: Story) -> None:
    with duckdb.connect(str(story.incremental), read_only=True) as con:
        for relation in EVENT_MODELS:
            per_load = dict(
                con.execute(
                    f"select loaded_at, count(*) from {relation} group by 1 order by 1"
                ).fetchall()
            )
            # The initial export's rows were not rewritten (they keep their load time); the
            # landing date adds exactly the rows written for it (4 of each CSV, 6 tracks).
            assert per_load.keys() == {FIRST_LOAD, DAY_LOAD}, relation
            expected_new = 6 if relation.endswith("tracks") else 4
            assert per_load[DAY_LOAD] == expected_new, relation


def test_a_user_linked_to_another_contact_moves_its_sign_up_signal(story: Story) -> None:
    user, contact = story.relinked
    with duckdb.connect(str(story.incremental), read_only=True) as con:
        signals = con.execute(
            f"""
            select signals.lead_id, signals.landing_date
            from {LEAD_SIGNALS} as signals
            inner join staging.stg_product__tracks as tracks
                on signals.source_event_id = tracks.event_id
            where signals.signal_source = 'product_event' and tracks.user_id = ?
            """,
            [user],
        ).fetchall()
    # Its first sign-up landed before DAY, in a landing day no new event touched.
    assert any(day < DAY for _, day in signals)
    assert {lead for lead, _ in signals} == {contact}


def test_late_event_restates_its_month_and_the_months_after(story: Story) -> None:
    with duckdb.connect(str(story.incremental), read_only=True) as con:
        after = _rows(con, "marts.fct_mrr")
    index = {name: i - 1 for i, name in enumerate(story.mrr_columns)}

    def value(rows: dict[str, tuple], month: str, column: str) -> object:
        return rows[f"{story.customer_id}|{month}"][index[column]]

    # 3 seats x 100.00 EUR a month, no coupon, EUR at 1: 300.00 from August, against the
    # unchanged July amount the month before.
    july = value(story.before, "2026-07", "mrr_eur")
    assert value(after, "2026-07", "mrr_eur") == july
    for month in ("2026-08", "2026-09", "2026-10"):
        assert value(after, month, "mrr_eur") == Decimal("300.00"), month
        assert value(after, month, "recurring_quantity") == LATE_SEATS
    assert value(story.before, "2026-08", "mrr_eur") != Decimal("300.00")
    assert value(after, "2026-08", "movement_eur") == Decimal("300.00") - july
    assert value(after, "2026-08", "movement_type") == (
        "expansion" if july < Decimal("300.00") else "contraction"
    )
    assert value(after, "2026-09", "movement_type") == "unchanged"


def test_months_before_the_rebuild_window_were_not_rewritten(story: Story) -> None:
    with duckdb.connect(str(story.incremental), read_only=True) as con:
        after = _rows(con, "marts.fct_mrr")
    stamp = len(story.mrr_columns) - 2  # _source_loaded_at is the last column
    assert story.mrr_columns[-1] == "_source_loaded_at"
    first_stamp = {row[stamp] for row in story.before.values()}
    assert len(first_stamp) == 1
    kept, rebuilt = set(), set()
    for key, row in after.items():
        customer, month = key.split("|")
        in_scope = customer == story.customer_id or month >= LATE_MONTH.strftime("%Y-%m")
        (rebuilt if in_scope else kept).add(key)
        # A kept row is byte for byte the first build's, stamp included.
        if not in_scope:
            assert row == story.before[key], key
    rebuilt_stamps = {after[key][stamp] for key in rebuilt}
    assert kept and rebuilt
    assert {after[key][stamp] for key in kept} == first_stamp
    assert len(rebuilt_stamps) == 1 and rebuilt_stamps != first_stamp
    # Rebuilt from August for every customer, not from September (the lookback alone): the
    # late event moved the window.
    assert any(
        key.endswith("|2026-08") and not key.startswith(f"{story.customer_id}|") for key in rebuilt
    )


def test_incremental_build_tests_the_rebuilt_rows_of_incremental_models(story: Story) -> None:
    """The day's events (landing date 1 October on) and the MRR rows stamped with the newest
    evidence load; a test of a table model checks every row."""
    events, mrr, table = (story.incremental_tests_sql[name] for name in WINDOWED_TESTS)
    assert "landing_date >= cast('2026-10-01' as date)" in events
    assert "_source_loaded_at = (select max(_source_loaded_at) from" in mrr
    assert "dbt_subquery" not in table


def test_reprocessed_landing_date_adds_no_row(story: Story) -> None:
    assert _counts(story.reprocessed, tuple(story.counts_after_day)) == story.counts_after_day
    with duckdb.connect(str(story.reprocessed), read_only=True) as con:
        for relation in EVENT_MODELS:
            loads = con.execute(
                f"select distinct loaded_at from {relation} where landing_date = ?", [DAY]
            ).fetchall()
            # The day's rows were replaced by the reload, not kept next to it.
            assert loads == [(RELOAD,)], relation
        stamps = con.execute(
            f"select distinct _source_loaded_at from {LEAD_SIGNALS} where landing_date = ?", [DAY]
        ).fetchall()
        assert stamps == [(RELOAD,)]
    for relation in (*EVENT_MODELS, LEAD_SIGNALS, *FINANCE_MARTS):
        assert _differences(story.reprocessed, story.full_refresh, relation) == (0, 0), relation
