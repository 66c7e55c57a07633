"""Daily runs on the real job: a rerun changes nothing, a new day loads only itself, and the
incremental warehouse equals a full rebuild of the same landing files, late correction included.

One sequence of real runs, shared by the tests. It starts from a copy of the session build
(the initial export, built and published), as a warehouse in production does: day 1 runs
incrementally on it (a lead becomes an MQL, a call is logged), then day 1 again, then day 2
(with a late Stripe correction for August, and day 1's contact file replaced); the same landing
files are then rebuilt from scratch in a second warehouse.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from dagster_project.run_pipeline import execute
from dagster_project.transformation.assets import revops_dbt_assets
from dagster_project.transformation.project import dbt_run_target
from tests.conftest import SessionBuild, make_warehouse
from tests.dbt_runs import dbt_build, load_raw, warehouse_file
from tests.landing_changes import page_views_for

DAY_1, DAY_2 = date(2026, 10, 1), date(2026, 10, 2)
EXTRA_SEATS = 5


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _write_jsonl(path: Path, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def _set_with_history(record: dict, name: str, value: str, stamp: str, source: str) -> None:
    """A HubSpot record's new version: the property's new value, first in its history."""
    record["properties"][name] = value
    record["updatedAt"] = stamp
    record["propertiesWithHistory"][name].insert(
        0, {"value": value, "timestamp": stamp, "sourceType": source}
    )


def _deal_moves_on(landing: Path, day: date) -> str:
    """The first open deal in qualification moves to discovery on `day`: a new version."""
    deals = [d for p in sorted((landing / "crm/deals").glob("*.jsonl")) for d in _jsonl(p)]
    deal = next(d for d in deals if d["properties"]["dealstage"] == "qualification")
    _set_with_history(deal, "dealstage", "discovery", f"{day}T09:00:00.000Z", "CRM_UI")
    _write_jsonl(landing / f"crm/deals/date={day}/part-0000.jsonl", [deal])
    return deal["id"]


BAD_CONTACT, CALL_ON_IT = "29000000001", "49000000001"
NEW_CALL = "49000000002"
# The incremental object staging models (strategy replace_loaded_objects).
OBJECT_MODELS = (
    "stg_crm__contacts",
    "stg_crm__contact_lifecycle_history",
    "stg_crm__engagements",
    "stg_billing__invoice_lines",
)


def _lead_becomes_mql_on(landing: Path, day: date, hour: int) -> str:
    """A lead's new version: an MQL since `day` at `hour`, a second lifecycle history entry.
    Written again with another hour, the day's contact file is replaced."""
    contacts = _jsonl(landing / "crm/contacts/part-0000.jsonl")
    contact = next(c for c in contacts if c["properties"]["lifecyclestage"] == "lead")
    stamp = f"{day}T{hour:02}:00:00.000Z"
    _set_with_history(contact, "lifecyclestage", "marketingqualifiedlead", stamp, "FORM")
    _write_jsonl(landing / f"crm/contacts/date={day}/part-0001.jsonl", [contact])
    return contact["id"]


def _call_logged_on(landing: Path, day: date, contact_id: str) -> None:
    calls = _jsonl(landing / "crm/engagements/part-0000.jsonl")
    call = json.loads(json.dumps(calls[0])) | {"id": NEW_CALL}
    call["associations"]["contacts"]["results"] = [
        {"id": contact_id, "type": "engagement_to_contact"}
    ]
    _write_jsonl(landing / f"crm/engagements/date={day}/part-0001.jsonl", [call])


def _ran_sql() -> dict[str, str]:
    """The SQL the last dbt build ran for each model (dbt writes it under the target's run/
    folder, which the fixture empties before each run)."""
    return {path.stem: path.read_text() for path in (dbt_run_target() / "run").rglob("*.sql")}


def _how_built() -> dict[str, str]:
    """How the last dbt build made each object staging model, from the SQL it ran."""
    ran = _ran_sql()
    return {
        name: "not built"
        if name not in ran
        else "rewritten"
        if f'delete from "revops"."staging"."{name}"' in ran[name]
        else "whole"
        for name in OBJECT_MODELS
    }


@dataclass(frozen=True)
class ObjectModels:
    """The incremental object staging models after a run: how dbt built each (its rows
    rewritten, whole, not at all; empty before any run), its row count, the MQL lead's stage and
    history entries."""

    built: dict[str, str]
    rows: dict[str, int]
    lead_stage: str
    lead_history: int
    new_call: int


def _object_models(database: str, lead: str, built: dict[str, str]) -> ObjectModels:
    with duckdb.connect(database, read_only=True) as con:

        def one(sql: str, *parameters: str) -> Any:
            return con.execute(sql, list(parameters)).fetchone()[0]

        history = "select count(*) from staging.stg_crm__contact_lifecycle_history where "
        return ObjectModels(
            built,
            {name: one(f"select count(*) from staging.{name}") for name in OBJECT_MODELS},
            one("select lifecycle_stage from staging.stg_crm__contacts where contact_id = ?", lead),
            one(history + "contact_id = ?", lead),
            one(
                "select count(*) from staging.stg_crm__engagements where engagement_id = ?",
                NEW_CALL,
            ),
        )


def _bad_contact_and_its_call_on(landing: Path, day: date) -> None:
    """A new contact whose creation date is not a date (quarantined) and a call logged with it
    (quarantined after it): a bad row or two, under the reject share, must not stop the day."""
    contacts = _jsonl(landing / "crm/contacts/part-0000.jsonl")
    contact = json.loads(json.dumps(contacts[0])) | {"id": BAD_CONTACT}
    contact["properties"]["createdate"] = "31/12/2026"
    _write_jsonl(landing / f"crm/contacts/date={day}/part-0000.jsonl", [contact])
    calls = _jsonl(landing / "crm/engagements/part-0000.jsonl")
    call = json.loads(json.dumps(calls[0])) | {"id": CALL_ON_IT}
    call["associations"]["contacts"]["results"] = [
        {"id": BAD_CONTACT, "type": "engagement_to_contact"}
    ]
    _write_jsonl(landing / f"crm/engagements/date={day}/part-0000.jsonl", [call])


@dataclass(frozen=True)
class LateCorrection:
    customer_id: str
    seat_price_eur: Decimal


def _late_seats_event(landing: Path) -> tuple[dict, LateCorrection]:
    """A Stripe update created on Aug 15 that reaches us late: five more seats on a monthly
    EUR subscription, undiscounted, whose last event was before August."""
    events = _jsonl(landing / "billing/subscription_events/part-0000.jsonl")
    latest: dict[str, dict] = {}
    for event in sorted(events, key=lambda e: e["created"]):
        latest[event["data"]["object"]["id"]] = event
    august = int(datetime(2026, 8, 15, 12, tzinfo=UTC).timestamp())

    def eligible(event: dict) -> bool:
        sub = event["data"]["object"]
        item = sub["items"]["data"][0]["price"]
        return (
            event["created"] < august
            and sub["status"] == "active"
            and sub["currency"] == "EUR"
            and sub["discount"] is None
            and item["recurring"] == {"interval": "month", "interval_count": 1}
        )

    event = json.loads(json.dumps(next(e for e in latest.values() if eligible(e))))
    subscription = event["data"]["object"]
    subscription["items"]["data"][0]["quantity"] += EXTRA_SEATS
    event |= {"id": "evt_late_seats", "type": "customer.subscription.updated", "created": august}
    price = Decimal(subscription["items"]["data"][0]["price"]["unit_amount"]) / 100
    return event, LateCorrection(subscription["customer"], price)


def _row_text(con: duckdb.DuckDBPyConnection, relation: str, leave_out: tuple[str, ...]) -> str:
    """A row as text, every value exactly: money is DECIMAL and no published double is a sum of
    doubles, so a rebuild of the same data gives the same bytes. Bookkeeping columns
    (`_source_loaded_at`: which load a row was built from) and `leave_out` are left out."""
    columns = [
        f'"{name}"'
        for name, *_ in con.execute(f"describe {relation}").fetchall()
        if not name.startswith("_") and name not in leave_out
    ]
    # Nulls spelled out: concat_ws would skip them and shift the other values.
    return "concat_ws('|', " + ", ".join(f"coalesce({c}::varchar, 'null')" for c in columns) + ")"


def _digest(con: duckdb.DuckDBPyConnection, relation: str, leave_out: tuple[str, ...] = ()) -> str:
    """A digest of a relation's rows in any order."""
    row = _row_text(con, relation, leave_out)
    return con.execute(
        f"select count(*) || ':' || coalesce(md5(string_agg(md5({row}), '' order by md5({row}))), "
        f"'') from {relation}"
    ).fetchone()[0]


def _checksums(database: str) -> dict[str, str]:
    """One digest per published mart."""
    with duckdb.connect(database, read_only=True) as con:
        tables = con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
        ).fetchall()
        return {name: _digest(con, f"marts.{name}") for (name,) in tables}


def _object_model_checksums(database: str) -> dict[str, str]:
    """One digest per object staging model, without the load time (the two warehouses loaded
    the same files at different times)."""
    with duckdb.connect(database, read_only=True) as con:
        return {name: _digest(con, f"staging.{name}", ("loaded_at",)) for name in OBJECT_MODELS}


def _mrr(database: str, customer_id: str) -> dict[date, Decimal]:
    with duckdb.connect(database, read_only=True) as con:
        rows = con.execute(
            "select month_start, mrr_eur from marts.fct_mrr "
            "where customer_id = ? and month_start >= date '2026-06-01' order by 1",
            [customer_id],
        ).fetchall()
    return dict(rows)


def _published_run(database: str) -> str:
    with duckdb.connect(database, read_only=True) as con:
        return con.execute("select run_id from meta.warehouse_version").fetchone()[0]


def _files_loaded(result: dg.ExecuteInProcessResult, raw_table: str) -> list[str]:
    [materialization] = result.asset_materializations_for_node(f"raw__{raw_table}")
    return list(materialization.metadata["source_files"].value)


@dataclass(frozen=True)
class Sequence:
    runs: dict[str, dg.ExecuteInProcessResult]
    checksums: dict[str, dict[str, str]]
    # Which run the published warehouse came from, after each run.
    published_runs: dict[str, str]
    mrr: dict[str, dict[date, Decimal]]
    moved_deal: str
    correction: LateCorrection
    incremental_db: str
    # Rows of the day-1 files in quarantine: (table, id, reason).
    quarantined: list[tuple[str, str, str]]
    # The object staging models before the runs ("start") and after each run.
    objects: dict[str, ObjectModels]
    # Their digests after day 2 and in the full rebuild.
    object_checksums: dict[str, dict[str, str]]
    # What day 2's build ran for the weekly health signals.
    day_2_health_sql: str


@pytest.fixture(scope="module")
def sequence(
    built: SessionBuild,
    landing: tuple[Path, dict[str, int]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Sequence:
    root = tmp_path_factory.mktemp("daily")
    files = root / "landing"
    # copytree keeps modification times: the session build's file ledger sees the initial
    # export as loaded already, exactly as in the warehouse it built.
    shutil.copytree(landing[0], files)
    assert built.success, built.failures
    (root / "daily" / "build").mkdir(parents=True)
    shutil.copyfile(built.warehouse.database, root / "daily" / "build" / "revops.duckdb")
    shutil.copyfile(built.warehouse.published_database, root / "daily" / "revops.duckdb")
    page_views_for(files, DAY_1)
    moved_deal = _deal_moves_on(files, DAY_1)
    _bad_contact_and_its_call_on(files, DAY_1)
    lead = _lead_becomes_mql_on(files, DAY_1, hour=10)
    _call_logged_on(files, DAY_1, lead)
    late_event, correction = _late_seats_event(files)
    start = _object_models(str(root / "daily" / "build" / "revops.duckdb"), lead, built={})
    objects = {"start": start}
    runs: dict[str, dg.ExecuteInProcessResult] = {}
    checksums: dict[str, dict[str, str]] = {}
    published_runs: dict[str, str] = {}
    mrr: dict[str, dict[date, Decimal]] = {}
    for name, first, last in (
        ("day_1", DAY_1, DAY_1),
        ("day_1_again", DAY_1, DAY_1),
        ("day_2", DAY_2, DAY_2),
    ):
        if name == "day_2":
            page_views_for(files, DAY_2)
            _write_jsonl(
                files / f"billing/subscription_events/date={DAY_2}/part-0000.jsonl", [late_event]
            )
            _lead_becomes_mql_on(files, DAY_1, hour=11)
        daily = make_warehouse(root / "daily", files, last.isoformat())
        shutil.rmtree(dbt_run_target() / "run", ignore_errors=True)
        runs[name] = execute(daily, first, last)
        checksums[name] = _checksums(daily.published_database)
        published_runs[name] = _published_run(daily.published_database)
        mrr[name] = _mrr(daily.published_database, correction.customer_id)
        objects[name] = _object_models(daily.database, lead, _how_built())
    day_2_health_sql = _ran_sql()["int_account_week_signals_computed"]
    # The rebuild from scratch: raw loaded from every file, then dbt, as the job's own steps
    # do (the session build runs that job from scratch; its checks and publish add nothing here).
    full = warehouse_file(root, "full")
    load_raw(full, files, datetime.combine(DAY_2, time(6)), as_of=DAY_2)
    dbt_build(full, DAY_2.isoformat())
    checksums["full"] = _checksums(str(full))
    object_checksums = {
        "day_2": _object_model_checksums(daily.database),
        "full": _object_model_checksums(str(full)),
    }
    mrr["full"] = _mrr(str(full), correction.customer_id)
    with duckdb.connect(daily.database, read_only=True) as con:
        quarantined = con.execute(
            "select source_table, record_id, reason from quarantine.rejected_rows "
            "where source_file like '%date=" + str(DAY_1) + "%' order by 1"
        ).fetchall()
    return Sequence(
        runs,
        checksums,
        published_runs,
        mrr,
        moved_deal,
        correction,
        daily.published_database,
        quarantined,
        objects,
        object_checksums,
        day_2_health_sql,
    )


def test_every_run_succeeds(sequence: Sequence) -> None:
    failed = {
        name: [e.message for e in run.all_events if e.is_step_failure]
        for name, run in sequence.runs.items()
        if not run.success
    }
    assert failed == {}


def test_running_the_same_day_twice_publishes_identical_marts(sequence: Sequence) -> None:
    assert len(sequence.checksums["day_1"]) >= 15
    assert sequence.checksums["day_1_again"] == sequence.checksums["day_1"]


def _steps_that_materialized(run: dg.ExecuteInProcessResult) -> set[str]:
    return {event.step_key for event in run.get_asset_materialization_events()}


def test_a_rerun_with_nothing_new_builds_and_publishes_nothing(sequence: Sequence) -> None:
    """The second run of day 1 reads the same files with the same rules, definitions and as-of
    date: the published version was built from exactly that, so dbt, the mart checks and the
    publish are skipped and the served warehouse stays day 1's."""
    built = {"revops_dbt_assets", "published_warehouse"}
    assert built <= _steps_that_materialized(sequence.runs["day_1"])
    assert not built & _steps_that_materialized(sequence.runs["day_1_again"])
    assert sequence.published_runs["day_1_again"] == sequence.runs["day_1"].run_id
    # A day with new files builds and publishes again.
    assert sequence.published_runs["day_2"] == sequence.runs["day_2"].run_id


def test_a_new_day_loads_only_its_own_files(sequence: Sequence) -> None:
    day_2 = sequence.runs["day_2"]

    assert _files_loaded(day_2, "marketing_page_views") == [
        f"marketing/page_views/date={DAY_2}/part-0000.csv"
    ]
    assert _files_loaded(day_2, "billing_subscription_events") == [
        f"billing/subscription_events/date={DAY_2}/part-0000.jsonl"
    ]
    # Object sources with nothing new read nothing; day 1 had read only the moved deal's file.
    assert _files_loaded(day_2, "crm_deals") == []
    assert _files_loaded(sequence.runs["day_1_again"], "crm_deals") == []


def test_the_incremental_warehouse_equals_a_full_rebuild(sequence: Sequence) -> None:
    differing = [
        name
        for name, digest in sequence.checksums["day_2"].items()
        if sequence.checksums["full"].get(name) != digest
    ]
    assert differing == []
    assert sequence.checksums["day_2"].keys() == sequence.checksums["full"].keys()


def test_object_models_rewrite_the_objects_loaded_and_are_built_whole_after_a_replaced_file(
    sequence: Sequence,
) -> None:
    start, day_1, day_2 = (sequence.objects[name] for name in ("start", "day_1", "day_2"))
    # Day 1 adds versions: the contacts and activities loaded are rewritten. The lead is an MQL
    # now, with one more history entry; the new call is there; no row was added twice.
    assert day_1.built == {
        "stg_crm__contacts": "rewritten",
        "stg_crm__contact_lifecycle_history": "rewritten",
        "stg_crm__engagements": "rewritten",
        "stg_billing__invoice_lines": "not built",
    }
    assert (start.lead_stage, day_1.lead_stage) == ("lead", "marketingqualifiedlead")
    assert day_1.lead_history == start.lead_history + 1
    assert (start.new_call, day_1.new_call) == (0, 1)
    assert day_1.rows == start.rows | {
        "stg_crm__contact_lifecycle_history": start.rows["stg_crm__contact_lifecycle_history"] + 1,
        "stg_crm__engagements": start.rows["stg_crm__engagements"] + 1,
    }
    # Day 2 replaces day 1's contact file: both contact models are built whole; the activities
    # and invoices, with nothing new, are left as built.
    assert day_2.built == {
        "stg_crm__contacts": "whole",
        "stg_crm__contact_lifecycle_history": "whole",
        "stg_crm__engagements": "not built",
        "stg_billing__invoice_lines": "not built",
    }
    assert day_2.rows == day_1.rows
    assert sequence.object_checksums["day_2"] == sequence.object_checksums["full"]


def test_a_late_correction_updates_the_months_it_belongs_to(sequence: Sequence) -> None:
    before, after = sequence.mrr["day_1"], sequence.mrr["day_2"]
    added = EXTRA_SEATS * sequence.correction.seat_price_eur
    june, july, august, september = (date(2026, m, 1) for m in (6, 7, 8, 9))

    # Months before the event keep their MRR; August (month-end state) and after gain 5 seats.
    assert after[june] == before[june] and after[july] == before[july]
    assert after[august] == before[august] + added
    assert after[september] == before[september] + added
    assert after == sequence.mrr["full"]


def test_the_weekly_health_models_restate_from_what_arrived_since_the_last_build(
    sequence: Sequence,
) -> None:
    """Day 2's late Stripe event is new since day 1's build, which the pipeline tells dbt (the
    newest load of subscription events that build read): the weeks from its week are rebuilt,
    and the marts equal a full rebuild (above). Without that, every event landed within the
    lookback would count, the whole initial export on the first days."""
    assert "where loaded_at > cast('" in sequence.day_2_health_sql
    assert "where landing_date >=" not in sequence.day_2_health_sql


def test_a_deal_stage_change_reaches_the_opportunity_mart(sequence: Sequence) -> None:
    with duckdb.connect(sequence.incremental_db, read_only=True) as con:
        stage = con.execute(
            "select current_stage from marts.fct_opportunities where deal_id = ?",
            [sequence.moved_deal],
        ).fetchone()
    assert stage == ("discovery",)


def test_a_bad_contact_and_the_call_on_it_are_quarantined_and_the_day_publishes(
    sequence: Sequence,
) -> None:
    assert sequence.runs["day_1"].success
    [(contact_table, contact_id, contact_reason), (call_table, call_id, call_reason)] = sorted(
        sequence.quarantined
    )
    assert (contact_table, contact_id) == ("crm_contacts", BAD_CONTACT)
    assert "31/12/2026" in contact_reason
    assert (call_table, call_id) == ("crm_engagements", CALL_ON_IT)
    assert call_reason == f"parent crm_contacts {BAD_CONTACT} quarantined"


def test_every_dbt_tests_check_of_a_day_has_a_verdict_kept_ones_passed(sequence: Sequence) -> None:
    """A model left as built keeps its last build's passed verdict (its tests did not run):
    no blocking check of the day goes without a result."""
    # The blocking ones: a raw table's source tests are a check that does not block.
    blocking = {
        key.asset_key
        for key in revops_dbt_assets.check_keys
        if key.name == "dbt_tests" and key.asset_key.path[0] != "raw"
    }
    verdicts = {
        data.asset_key: data
        for data in (
            event.asset_check_evaluation_data
            for event in sequence.runs["day_2"].all_events
            if event.event_type_value == "ASSET_CHECK_EVALUATION"
        )
        if data.asset_key in blocking
    }
    assert verdicts.keys() == blocking
    kept = {key for key, data in verdicts.items() if "rebuilt" in data.metadata}
    # CRM companies and owners had no new file on day 2: their staging was left as built.
    assert dg.AssetKey(["staging", "stg_crm__companies"]) in kept
    assert all(verdicts[key].passed for key in kept)
