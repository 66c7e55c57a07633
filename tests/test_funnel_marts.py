"""The funnel and sales marts on the session's end-to-end build (generated data, fixed seed).

Invariants read their thresholds from dbt_project.yml, as the models do. Exact values are
recomputed here with independent SQL over the staging views and the config seeds (a self-join
instead of window frames, an as-of join on the raw FX quotes instead of the daily rate table, a
replay of the stage history instead of the snapshot mart), never copied from the marts' output.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from dagster_project.metric_config import metric_vars
from dagster_project.paths import DBT_PROJECT_DIR

FUNNEL_RATES = (
    "lead_to_mql_rate",
    "mql_to_sql_rate",
    "sql_to_opportunity_rate",
    "opportunity_to_won_rate",
    "response_within_sla_share",
    "response_within_24h_share",
)
SALES_SHARES = (
    "win_rate",
    "win_rate_amount",
    "forecast_accuracy",
    "stage_conversion_rate",
    "share_reps_at_quota",
)
FUNNEL_ORDER = ("created_at", "mql_at", "sql_at", "opportunity_at", "customer_at")


@pytest.fixture(scope="module")
def con(build_warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    # The build file: the checks recount the marts from staging, which is not served.
    connection = duckdb.connect(str(build_warehouse), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def as_of_end(con: duckdb.DuckDBPyConnection) -> str:
    """The first instant after the run's as-of date, as a SQL timestamp literal."""
    (as_of,) = con.execute("select as_of_date::varchar from meta.warehouse_version").fetchone()
    return f"(date '{as_of}' + interval 1 day)"


def _independent_first_crossings(con: duckdb.DuckDBPyConnection, as_of_end: str) -> dict:
    """Each lead's first moment with score >= threshold and an intent signal, by a self-join."""
    config = metric_vars()
    rows = con.execute(
        f"""
        with signals as (
            select contact_id as lead_id, occurred_at, 'page_view' as source, page_category as kind
            from staging.stg_marketing__page_views
            union all
            select contact_id, submitted_at, 'form_submission', form_type
            from staging.stg_marketing__form_submissions
            union all
            select contact_id, occurred_at, 'email_event', event_type
            from staging.stg_marketing__email_events
            union all
            select users.contact_id, tracks.occurred_at, 'product_event', 'signed_up'
            from staging.stg_product__tracks as tracks
            join staging.stg_product__users as users using (user_id)
            where tracks.event_name = 'Signed Up'
        ),
        scored as (
            select signals.lead_id, signals.occurred_at, points.points, points.is_intent
            from signals
            join config.lead_score_points as points
                on points.signal_source = signals.source and points.signal_type = signals.kind
            where signals.lead_id is not null and signals.occurred_at < {as_of_end}
        ),
        moments as (
            select
                moment.lead_id,
                moment.occurred_at as evaluated_at,
                least(sum(window_signal.points), {config["lead_score_cap"]}) as score,
                bool_or(
                    window_signal.is_intent
                    and window_signal.occurred_at
                        >= moment.occurred_at - interval {config["intent_window_days"]} day
                ) as has_intent
            from (select distinct lead_id, occurred_at from scored) as moment
            join scored as window_signal
                on window_signal.lead_id = moment.lead_id
                and window_signal.occurred_at <= moment.occurred_at
                and window_signal.occurred_at
                    >= moment.occurred_at - interval {config["lead_score_window_days"]} day
            group by all
        )
        select lead_id, min(evaluated_at)
        from moments
        where score >= {config["mql_score_threshold"]} and has_intent
        group by lead_id
        """
    ).fetchall()
    return dict(rows)


def test_every_mql_had_the_threshold_score_and_an_intent_signal(con) -> None:
    config = metric_vars()
    rows = con.execute(
        "select lead_id, score_at_mql, intent_signal_at_mql, mql_intent_signal_at, mql_at "
        "from marts.fct_leads where mql_at is not null"
    ).fetchall()

    assert rows, "the sample should have MQLs"
    for lead_id, score, has_intent, intent_at, mql_at in rows:
        assert score >= config["mql_score_threshold"], lead_id
        assert has_intent is True, lead_id
        assert (mql_at - intent_at).days <= config["intent_window_days"], lead_id


def test_mql_moments_match_an_independent_recount(con, as_of_end) -> None:
    crossings = _independent_first_crossings(con, as_of_end)
    leads = {
        row[0]: row[1:]
        for row in con.execute(
            "select lead_id, created_at, mql_at, sql_at, opportunity_at, customer_at "
            "from marts.fct_leads"
        ).fetchall()
    }

    mqls = {lead_id: row[1] for lead_id, row in leads.items() if row[1] is not None}
    assert mqls, "the sample should have MQLs"
    assert {lead_id: crossings.get(lead_id) for lead_id in mqls} == mqls
    # A lead whose score crossed but is not an MQL skipped the stage: it was created later, or
    # sales had already qualified it, opened its deal or won it (funnel ordering rule).
    for lead_id in crossings.keys() - mqls.keys():
        created_at, _, *later_stages = leads[lead_id]
        crossing = crossings[lead_id]
        assert crossing < created_at or any(
            stage is not None and stage < crossing for stage in later_stages
        ), lead_id


def test_every_sql_is_a_complete_bant_qualification(con) -> None:
    mismatches = con.execute(
        """
        select leads.lead_id
        from marts.fct_leads as leads
        join staging.stg_crm__contacts as contacts on contacts.contact_id = leads.lead_id
        where leads.sql_at is not null
            and not (
                contacts.bant_budget and contacts.bant_authority
                and contacts.bant_need and contacts.bant_timing
                and contacts.bant_qualified_at = leads.sql_at
            )
        """
    ).fetchall()
    sqls = con.execute("select count(sql_at) from marts.fct_leads").fetchone()[0]

    assert metric_vars()["sql_rule"] == "bant"
    assert sqls > 0
    assert mismatches == []


@pytest.mark.parametrize(
    ("earlier", "later"),
    [(a, b) for i, a in enumerate(FUNNEL_ORDER) for b in FUNNEL_ORDER[i + 1 :]],
)
def test_funnel_timestamps_are_ordered(con, earlier: str, later: str) -> None:
    out_of_order = con.execute(
        f"select count(*) from marts.fct_leads where {earlier} > {later}"
    ).fetchone()[0]

    assert out_of_order == 0


@pytest.mark.parametrize(
    ("mart", "column"),
    [("metrics_funnel_monthly", rate) for rate in FUNNEL_RATES]
    + [("metrics_sales_quarterly", share) for share in SALES_SHARES],
)
def test_rates_lie_between_zero_and_one(con, mart: str, column: str) -> None:
    low, high, filled = con.execute(
        f"select min({column}), max({column}), count({column}) from marts.{mart}"
    ).fetchone()

    assert filled > 0, f"{mart}.{column} is never computed on the sample"
    assert 0 <= low <= high <= 1


def test_lead_counts_match_the_crm(con, as_of_end) -> None:
    crm_leads = con.execute(
        f"select count(*) from staging.stg_crm__contacts "
        f"where not is_archived and created_at < {as_of_end}"
    ).fetchone()[0]
    funnel_leads = con.execute(
        "select sum(leads) from marts.metrics_funnel_monthly where channel = 'all'"
    ).fetchone()[0]
    by_channel = con.execute(
        "select sum(leads) from marts.metrics_funnel_monthly where channel <> 'all'"
    ).fetchone()[0]

    assert funnel_leads == by_channel == crm_leads


def test_response_hours_match_the_first_sdr_activity_after_the_mql(con) -> None:
    mismatches = con.execute(
        """
        with first_touches as (
            select leads.lead_id, min(engagements.occurred_at) as touched_at
            from marts.fct_leads as leads
            join staging.stg_crm__engagements as engagements
                on engagements.contact_id = leads.lead_id
                and engagements.occurred_at >= leads.mql_at
            join staging.stg_crm__owners as owners
                on owners.owner_id = engagements.owner_id and owners.role = 'SDR'
            group by leads.lead_id
        )
        select leads.lead_id
        from marts.fct_leads as leads
        left join first_touches using (lead_id)
        where leads.mql_at is not null
            and leads.response_hours is distinct from
                epoch(first_touches.touched_at - leads.mql_at) / 3600.0
        """
    ).fetchall()
    touched = con.execute("select count(response_hours) from marts.fct_leads").fetchone()[0]

    assert touched > 0
    assert mismatches == []


def test_win_rate_counts_closed_won_and_closed_lost_only(con) -> None:
    won, lost, open_deals = con.execute(
        "select count(*) filter (where deal_stage = 'closedwon'), "
        "count(*) filter (where deal_stage = 'closedlost'), "
        "count(*) filter (where deal_stage not in ('closedwon', 'closedlost')) "
        "from staging.stg_crm__deals where not is_archived"
    ).fetchone()
    mart_won, mart_lost = con.execute(
        "select sum(deals_won), sum(deals_lost) from marts.metrics_sales_quarterly "
        "where grain = 'total'"
    ).fetchone()

    assert open_deals > 0 and won > 0 and lost > 0
    assert (mart_won, mart_lost) == (won, lost)


def _won_eur_by_quarter(con: duckdb.DuckDBPyConnection) -> dict:
    """Won EUR per quarter of closing, each deal converted at the last quote on or before its
    win day (EUR at 1) and rounded to the cent, from the staging views only."""
    return dict(
        con.execute(
            """
            with wins as (
                select deals.deal_id, deals.amount, deals.currency,
                    max(history.entered_at) as won_at
                from staging.stg_crm__deals as deals
                join staging.stg_crm__deal_stage_history as history using (deal_id)
                where deals.deal_stage = 'closedwon' and history.deal_stage = 'closedwon'
                group by all
            ),
            quotes as (
                select rate_date, currency, rate_to_eur from staging.stg_billing__fx_rates
            )
            select cast(date_trunc('quarter', wins.won_at) as date) as quarter,
                sum(round(wins.amount * case when wins.currency = 'EUR' then 1
                    else quotes.rate_to_eur end, 2)) as won_eur
            from wins
            asof left join quotes
                on quotes.currency = wins.currency and quotes.rate_date <= wins.won_at::date
            group by quarter
            """
        ).fetchall()
    )


def test_won_amounts_match_an_independent_conversion(con) -> None:
    expected = _won_eur_by_quarter(con)
    actual = dict(
        con.execute(
            "select quarter_start, won_amount_eur from marts.metrics_sales_quarterly "
            "where grain = 'total' and won_amount_eur > 0"
        ).fetchall()
    )

    assert expected
    assert actual == expected


def test_median_sales_cycle_matches_the_stage_history(con) -> None:
    expected = con.execute(
        """
        select median(date_diff('day', deals.created_at, history.entered_at))
        from staging.stg_crm__deals as deals
        join staging.stg_crm__deal_stage_history as history using (deal_id)
        where deals.deal_stage = 'closedwon' and history.deal_stage = 'closedwon'
        """
    ).fetchone()[0]
    actual = con.execute(
        "select median(sales_cycle_days) from marts.fct_opportunities where is_won"
    ).fetchone()[0]

    assert actual == expected
    assert actual > 0


def test_forecast_accuracy_matches_a_replay_of_the_stage_history(con) -> None:
    """For each quarter with wins: replay which deals were open at the end of the last Sunday
    before it, weight their EUR amounts by their stage's probability, compare with the wins."""
    won = _won_eur_by_quarter(con)
    replayed = dict(
        con.execute(
            """
            with quarters as (
                select distinct cast(date_trunc('quarter', entered_at) as date) as quarter
                from staging.stg_crm__deal_stage_history
            ),
            days_before as (
                select quarter, cast(quarter - interval 1 day as date) as day_before
                from quarters
            ),
            openings as (
                select quarter,
                    day_before - cast(isodow(day_before) % 7 as integer) as snapshot_day
                from days_before
            ),
            stages_then as (
                select openings.quarter, openings.snapshot_day, history.deal_id,
                    arg_max(history.deal_stage, history.entered_at) as stage
                from openings
                join staging.stg_crm__deal_stage_history as history
                    on history.entered_at < openings.snapshot_day + interval 1 day
                group by all
            ),
            quotes as (
                select rate_date, currency, rate_to_eur from staging.stg_billing__fx_rates
            )
            select stages_then.quarter,
                sum(deals.amount::double * case when deals.currency = 'EUR' then 1
                    else quotes.rate_to_eur::double end * stages.forecast_probability::double)
            from stages_then
            join config.pipeline_stages as stages
                on stages.stage = stages_then.stage and not stages.is_closed
            join staging.stg_crm__deals as deals using (deal_id)
            asof left join quotes
                on quotes.currency = deals.currency
                and quotes.rate_date <= stages_then.snapshot_day
            where not deals.is_archived
                and date_trunc('quarter', deals.close_date) = stages_then.quarter
            group by stages_then.quarter
            """
        ).fetchall()
    )
    actual = dict(
        con.execute(
            "select quarter_start, forecast_accuracy from marts.metrics_sales_quarterly "
            "where grain = 'total' and forecast_accuracy is not null"
        ).fetchall()
    )

    expected = {
        quarter: max(0.0, 1 - abs(float(replayed.get(quarter, 0)) - float(amount)) / float(amount))
        for quarter, amount in won.items()
        if quarter in actual
    }
    assert len(expected) >= 2
    # The mart rounds each deal's EUR amount to the cent before weighting.
    assert actual.keys() >= expected.keys()
    for quarter, accuracy in expected.items():
        assert actual[quarter] == pytest.approx(accuracy, abs=1e-4), quarter


def test_probabilities_are_stored_as_fractions(con) -> None:
    probabilities = dict(
        con.execute("select stage, forecast_probability from config.pipeline_stages").fetchall()
    )
    over_amount = con.execute(
        "select count(*) from marts.fct_pipeline_snapshots "
        "where weighted_amount_eur > amount_eur or forecast_probability > 1"
    ).fetchone()[0]

    assert all(0 <= p <= 1 for p in probabilities.values())
    assert probabilities["closedwon"] == 1 and probabilities["closedlost"] == 0
    assert over_amount == 0


def test_metric_models_never_read_the_clock() -> None:
    """Results depend on the as-of date, never on the day the build runs."""
    clock = re.compile(r"current_(timestamp|date)|\bnow\(\)|\btoday\(\)|get_current_time")
    sql_files = [
        path
        for folder in ("intermediate/funnel", "intermediate/sales", "marts/funnel", "marts/sales")
        for path in (DBT_PROJECT_DIR / "models" / folder).glob("*.sql")
    ]

    assert len(sql_files) >= 15
    assert [path.name for path in sql_files if clock.search(path.read_text().lower())] == []
