"""MRR without a complete event log, on real dbt builds of the session's generated company.

Stripe's API lists subscription events for the last 30 days only. The company is loaded with its
event log cut to the 30 days before the as-of date and its revenue marts built: they must equal
the full-history build (the shared first dbt build) to the cent, every month its invoices cover,
the history before each subscription's first event rebuilt from invoices and subscription
versions. Then the invoices go too: the MRR gate must fail, naming every subscription that paid
before its first event held.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from dagster_project.quality.engine.gx_runner import RuleOutcome, run_suite
from dagster_project.quality.engine.suite import Suite
from dagster_project.quality.suites.revenue import mrr_history_frame
from tests.dbt_runs import FIRST_AS_OF, FIRST_LOAD, dbt_build, load_raw, warehouse_file

AS_OF_END = datetime.fromisoformat(FIRST_AS_OF) + timedelta(days=1)
# What the API lists: the events of the 30 days up to the end of the as-of date.
EVENT_LOG_START = AS_OF_END - timedelta(days=30)
GAP = "no event, invoice or subscription version covers "
MARTS = ("marts.fct_mrr", "marts.metrics_revenue_monthly")
# Columns that say when a row was built, not what it holds.
BOOKKEEPING = {"_source_loaded_at"}
INVOICE_MODELS = ("stg_billing__invoices", "stg_billing__invoice_lines")


@dataclass(frozen=True)
class Builds:
    truncated: Path
    without_invoices: Path
    events_kept: int


def _cut_event_log(path: Path) -> int:
    """Keep the events created in the last 30 days; return how many."""
    start = int((EVENT_LOG_START - datetime(1970, 1, 1)).total_seconds())
    kept = [
        line
        for line in path.read_text(encoding="utf-8").splitlines()
        if json.loads(line)["created"] >= start
    ]
    path.write_text("".join(f"{line}\n" for line in kept), encoding="utf-8")
    return len(kept)


@pytest.fixture(scope="module")
def builds(
    first_dbt_build: Path,
    landing: tuple[Path, dict[str, int]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Builds:
    work = tmp_path_factory.mktemp("billing_history")
    landing_dir = work / "landing"
    shutil.copytree(landing[0], landing_dir)
    kept = _cut_event_log(landing_dir / "billing" / "subscription_events" / "part-0000.jsonl")
    database = warehouse_file(work, "complete")
    load_raw(database, landing_dir, FIRST_LOAD)
    # The two revenue marts compared and the gate's model, with their data tests.
    dbt_build(
        database,
        FIRST_AS_OF,
        "--select",
        "+metrics_revenue_monthly",
        "int_subscription_evidence_summarized",
    )
    truncated = warehouse_file(work, "truncated")
    shutil.copyfile(database, truncated)
    # Without invoices: only the models between them and the gate's model are rebuilt, in the
    # same file and target path, so dbt keeps its partial parse.
    with duckdb.connect(str(database)) as con:
        con.execute("delete from raw.billing_credit_notes__versions")
        con.execute("delete from raw.billing_invoices__versions")
    dbt_build(
        database,
        FIRST_AS_OF,
        "--select",
        *(f"{invoices}+,+int_subscription_evidence_summarized" for invoices in INVOICE_MODELS),
        "--exclude",
        "test_type:data",
    )
    return Builds(truncated, database, kept)


def _gate(database: Path) -> RuleOutcome:
    suite = Suite("mrr_history", ("marts", "fct_mrr"), "the MRR gate", (mrr_history_frame(),))
    with duckdb.connect(str(database), read_only=True) as con:
        (outcome,) = run_suite(con, suite)
    assert outcome.error is None, outcome.error
    return outcome


def _months_invoices_cover(con: duckdb.DuckDBPyConnection) -> list[date]:
    """From the month of the first regular invoice line to the as-of month."""
    (first,) = con.execute(
        "select min(date_trunc('month', period_start_at)) from staging.stg_billing__invoice_lines "
        "where line_type = 'subscription' and not is_proration"
    ).fetchone()
    months, month = [], first.date() if isinstance(first, datetime) else first
    while month <= date.fromisoformat(FIRST_AS_OF):
        months.append(month)
        month = (month.replace(day=1) + timedelta(days=32)).replace(day=1)
    return months


def test_a_thirty_day_event_log_publishes_the_full_history_mrr_to_the_cent(
    builds: Builds, first_dbt_build: Path
) -> None:
    with duckdb.connect(str(builds.truncated), read_only=True) as con:
        con.execute(f"attach '{first_dbt_build}' as full_history (read_only)")
        months = _months_invoices_cover(con)
        evidence = dict(
            con.execute(
                "select evidence, count(*) from intermediate.int_subscription_states_historized "
                "group by 1"
            ).fetchall()
        )
        differences = {}
        for relation in MARTS:
            columns = ", ".join(
                f'"{row[0]}"'
                for row in con.execute(f"describe {relation}").fetchall()
                if row[0] not in BOOKKEEPING
            )
            covered = f"where month_start >= '{months[0]}'"
            here = f"select {columns} from {relation} {covered}"
            full = f"select {columns} from full_history.{relation} {covered}"
            differences[relation] = (
                con.execute(f"select count(*) from ({full})").fetchone()[0],
                con.execute(f"select count(*) from ({here} except all {full})").fetchone()[0],
                con.execute(f"select count(*) from ({full} except all {here})").fetchone()[0],
            )
        retention_months = con.execute(
            "select count(*) from marts.metrics_revenue_monthly where nrr is not null "
            "and grr is not null"
        ).fetchone()[0]

    # The generated history runs from October 2023 to the as-of month, all of it invoiced; the
    # cut log keeps a handful of events, the rest of the history comes from invoices.
    assert len(months) == 36
    assert builds.events_kept < 10
    assert evidence["event"] == builds.events_kept and evidence["invoice"] > 400
    for relation, (rows, only_truncated, only_full) in differences.items():
        assert rows > 0, relation
        assert (only_truncated, only_full) == (0, 0), relation
    # NRR and GRR exist from the thirteenth month on (a 12-month window), equal in both builds.
    assert retention_months == 36 - 12


def test_the_gate_passes_when_invoices_rebuild_every_history(
    builds: Builds, landing: tuple[Path, dict[str, int]]
) -> None:
    outcome = _gate(builds.truncated)

    assert outcome.success, outcome.observed
    assert outcome.rows_checked == landing[1]["billing_subscriptions"]


def test_without_invoices_the_gate_fails_naming_every_subscription_paid_before_its_events(
    builds: Builds, first_dbt_build: Path
) -> None:
    with duckdb.connect(str(builds.without_invoices), read_only=True) as con:
        con.execute(f"attach '{first_dbt_build}' as full_history (read_only)")
        # From the full history: the subscriptions paying before their first event held in the
        # 30-day log (or before the as-of date's end, without one) lose those months.
        expected = {
            row[0]
            for row in con.execute(
                """
                select states.subscription_id
                from full_history.intermediate.int_subscription_states_historized as states
                left join (
                    select subscription_id, min(occurred_at) as first_event_at
                    from staging.stg_billing__subscription_events
                    group by subscription_id
                ) as held on states.subscription_id = held.subscription_id
                where states.is_paid and states.valid_from < coalesce(held.first_event_at, ?)
                """,
                [AS_OF_END],
            ).fetchall()
        }
        problems = dict(
            con.execute(
                "select subscription_id, history_problem "
                "from intermediate.int_subscription_evidence_summarized "
                "where history_problem is not null"
            ).fetchall()
        )
        # Nothing covers a subscription until its first event held, its end, or the last second
        # of the as-of date, when the initial export shows it.
        gaps_end = dict(
            con.execute(
                """
                select
                    summary.subscription_id,
                    least(
                        coalesce(summary.first_event_at, 'infinity'),
                        coalesce(versions.ended_at, 'infinity'),
                        ? - interval 1 second
                    )
                from intermediate.int_subscription_evidence_summarized as summary
                inner join staging.stg_billing__subscription_versions as versions
                    on summary.subscription_id = versions.subscription_id
                """,
                [AS_OF_END],
            ).fetchall()
        )
    outcome = _gate(builds.without_invoices)

    assert len(expected) > 20
    assert problems.keys() == expected
    for subscription, problem in problems.items():
        assert problem.startswith(f"{subscription}: {GAP}"), problem
        assert problem.endswith(f" to {gaps_end[subscription]:%Y-%m-%d %H:%M:%S}"), problem
    assert not outcome.success
    assert outcome.failing_rows == len(expected)
    assert {key["subscription_id"] for key in outcome.sample_keys} <= expected
    assert all(item["value"] in problems.values() for item in outcome.observed["unexpected_values"])
