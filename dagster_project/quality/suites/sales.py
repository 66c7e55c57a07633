"""Sales marts: deal outcomes, qualification scores, win and conversion rates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagster_project.quality.engine.suite import (
    Frame,
    Rule,
    Suite,
    Where,
    between,
    in_set,
    mart_suite,
    share,
    within,
)

QUARTERLY_SHARES = (
    "win_rate",
    "win_rate_amount",
    "stage_conversion_rate",
    "forecast_accuracy",
    "share_reps_at_quota",
)
# Weighted amounts are compared to the cent (half a cent absorbs float noise).
WEIGHTED_CENT = 0.005
MEDDIC_CRITERIA = 6
MEDDPICC_CRITERIA = 8


def sales_suites(config: Mapping[str, Any]) -> list[Suite]:
    return [
        fct_opportunities_suite(config),
        metrics_sales_quarterly_suite(config),
        deal_qualification_alerts_suite(config),
        fct_pipeline_snapshots_suite(config),
        fct_deal_multithreading_suite(config),
        metrics_bookings_quarterly_suite(config),
    ]


def fct_opportunities_suite(config: Mapping[str, Any]) -> Suite:
    return mart_suite(
        "fct_opportunities",
        "One row per deal: stages, outcome, amounts in EUR and qualification scores.",
        [
            Frame(
                # The outcome column names the deal's state, or the contradiction that breaks it.
                sql="""
                select
                    deal_id,
                    case
                        when is_closed and is_won and current_stage = 'closedwon' then 'won'
                        when is_closed and not is_won and current_stage = 'closedlost' then 'lost'
                        when not is_closed and not is_won
                            and current_stage not in ('closedwon', 'closedlost') then 'open'
                        else 'contradictory: stage ' || coalesce(current_stage, 'null')
                            || ', closed ' || coalesce(is_closed::varchar, 'null')
                            || ', won ' || coalesce(is_won::varchar, 'null')
                    end as outcome,
                    forecast_probability,
                    amount_eur,
                    meddic_score,
                    meddpicc_score,
                    sales_cycle_days
                from marts.fct_opportunities
                """,
                key=("deal_id",),
                rules=(
                    in_set(
                        "closed_deal_has_exactly_one_outcome",
                        "outcome",
                        ["won", "lost", "open"],
                        "A closed deal is won or lost, exactly one; an open deal is neither.",
                    ),
                    share(
                        "forecast_probability_is_a_share",
                        "forecast_probability",
                        "Stage forecast probabilities are fractions in [0, 1].",
                    ),
                    between(
                        "amount_not_negative",
                        "amount_eur",
                        "Deal amounts in EUR are never negative.",
                        min_value=0,
                    ),
                    between(
                        "meddic_score_in_range",
                        "meddic_score",
                        "MEDDIC scores count 0 to 6 criteria.",
                        min_value=0,
                        max_value=MEDDIC_CRITERIA,
                    ),
                    between(
                        "meddpicc_score_in_range",
                        "meddpicc_score",
                        "MEDDPICC scores count 0 to 8 criteria.",
                        min_value=0,
                        max_value=MEDDPICC_CRITERIA,
                    ),
                    between(
                        "sales_cycle_not_negative",
                        "sales_cycle_days",
                        "A won deal closes no earlier than it was created.",
                        min_value=0,
                    ),
                ),
            )
        ],
    )


def metrics_sales_quarterly_suite(config: Mapping[str, Any]) -> Suite:
    return mart_suite(
        "metrics_sales_quarterly",
        "Win rates, cycle, pipeline, forecast and quota per quarter and grain.",
        [
            Frame(
                sql=f"""
                select
                    sales_quarter_grain_id,
                    {", ".join(QUARTERLY_SHARES)},
                    quota_attainment,
                    pipeline_coverage
                from marts.metrics_sales_quarterly
                """,
                key=("sales_quarter_grain_id",),
                rules=(
                    *(
                        share(f"{rate}_is_a_share", rate, f"{rate} lies in [0, 1].")
                        for rate in QUARTERLY_SHARES
                    ),
                    between(
                        "quota_attainment_not_negative",
                        "quota_attainment",
                        "Quota attainment is never negative (it may exceed 1).",
                        min_value=0,
                    ),
                    between(
                        "pipeline_coverage_not_negative",
                        "pipeline_coverage",
                        "Pipeline coverage is never negative.",
                        min_value=0,
                    ),
                ),
            )
        ],
    )


def deal_qualification_alerts_suite(config: Mapping[str, Any]) -> Suite:
    """Every alert is justified by the configured gate, kill or multi-threading rule."""
    is_gate = Where("alert_type", "==", "meddic_gate_violation")
    is_kill = Where("alert_type", "==", "kill_candidate")
    is_single_threaded = Where("alert_type", "==", "single_threaded")
    return mart_suite(
        "deal_qualification_alerts",
        "MEDDIC gate violations, kill candidates and single-threaded big deals among open deals.",
        [
            Frame(
                sql="""
                select alerts.deal_alert_id, alerts.alert_type, alerts.meddic_score,
                    alerts.days_open, alerts.amount_eur, threads.engaged_contacts
                from marts.deal_qualification_alerts as alerts
                left join marts.fct_deal_multithreading as threads using (deal_id)
                """,
                key=("deal_alert_id",),
                rules=(
                    in_set(
                        "alert_type_known",
                        "alert_type",
                        ["meddic_gate_violation", "kill_candidate", "single_threaded"],
                        "Alerts are gate violations, kill candidates or single-threaded deals.",
                    ),
                    Rule(
                        "gate_violation_below_gate",
                        "A gate violation scores below the configured MEDDIC gate.",
                        "ExpectColumnValuesToBeBetween",
                        {
                            "column": "meddic_score",
                            "max_value": config["meddic_gate_min_score"],
                            "strict_max": True,
                        },
                        where=(is_gate,),
                    ),
                    Rule(
                        "kill_candidate_below_kill_score",
                        "A kill candidate scores below the configured kill threshold.",
                        "ExpectColumnValuesToBeBetween",
                        {
                            "column": "meddic_score",
                            "max_value": config["kill_max_meddic_score"],
                            "strict_max": True,
                        },
                        where=(is_kill,),
                    ),
                    Rule(
                        "kill_candidate_open_long_enough",
                        "A kill candidate has been open longer than the configured days.",
                        "ExpectColumnValuesToBeBetween",
                        {
                            "column": "days_open",
                            "min_value": config["kill_after_days"],
                            "strict_min": True,
                        },
                        where=(is_kill,),
                    ),
                    Rule(
                        "single_threaded_deal_is_big",
                        "A single-threaded alert is for a deal above the configured ACV.",
                        "ExpectColumnValuesToBeBetween",
                        {
                            "column": "amount_eur",
                            "min_value": config["multithreading_gate_acv_eur"],
                            "strict_min": True,
                        },
                        where=(is_single_threaded,),
                    ),
                    Rule(
                        "single_threaded_deal_has_few_contacts",
                        "A single-threaded deal engages fewer contacts than the configured least.",
                        "ExpectColumnValuesToBeBetween",
                        {
                            "column": "engaged_contacts",
                            "max_value": config["multithreading_min_contacts"],
                            "strict_max": True,
                        },
                        where=(is_single_threaded,),
                    ),
                ),
            )
        ],
    )


def fct_pipeline_snapshots_suite(config: Mapping[str, Any]) -> Suite:
    return mart_suite(
        "fct_pipeline_snapshots",
        "Weekly snapshots of the open pipeline, the base of forecast accuracy.",
        [
            Frame(
                sql="""
                select
                    pipeline_snapshot_id,
                    forecast_probability,
                    amount_eur,
                    weighted_amount_eur - amount_eur * forecast_probability
                        as weighted_residual_eur
                from marts.fct_pipeline_snapshots
                """,
                key=("pipeline_snapshot_id",),
                rules=(
                    share(
                        "forecast_probability_is_a_share",
                        "forecast_probability",
                        "Stage forecast probabilities are fractions in [0, 1].",
                    ),
                    between(
                        "amount_not_negative",
                        "amount_eur",
                        "Snapshot amounts in EUR are never negative.",
                        min_value=0,
                    ),
                    within(
                        "weighted_is_amount_times_probability",
                        "weighted_residual_eur",
                        WEIGHTED_CENT,
                        "Weighted forecast = amount x stage probability, to the cent.",
                    ),
                ),
            )
        ],
    )


def fct_deal_multithreading_suite(config: Mapping[str, Any]) -> Suite:
    return mart_suite(
        "fct_deal_multithreading",
        "People of the buyer each deal reaches, and its buying roles.",
        [
            Frame(
                sql="""
                select
                    deal_id,
                    engaged_contacts - decision_makers - influencers - champions
                        as contacts_without_role,
                    (engaged_contacts >= {min_contacts}) = is_multithreaded as threading_agrees,
                    are_buying_roles_covered
                        = (has_decision_maker and has_influencer and has_champion)
                        as coverage_agrees
                from marts.fct_deal_multithreading
                """.format(min_contacts=int(config["multithreading_min_contacts"])),
                key=("deal_id",),
                rules=(
                    between(
                        "buying_roles_within_engaged_contacts",
                        "contacts_without_role",
                        "A deal's decision makers, influencers and champions are among its "
                        "engaged contacts.",
                        min_value=0,
                    ),
                    in_set(
                        "multithreaded_from_the_configured_contacts",
                        "threading_agrees",
                        [True],
                        "A deal is multi-threaded exactly from the configured engaged contacts.",
                    ),
                    in_set(
                        "buying_roles_covered_when_all_three_are",
                        "coverage_agrees",
                        [True],
                        "Buying roles are covered exactly when each of the three has a contact.",
                    ),
                ),
            )
        ],
    )


def metrics_bookings_quarterly_suite(config: Mapping[str, Any]) -> Suite:
    return mart_suite(
        "metrics_bookings_quarterly",
        "Closed-won ACV by quarter and motion, the actual against the target growth mix.",
        [
            Frame(
                sql="""
                select bookings_quarter_motion_id, share_of_bookings, growth_mix_actual
                from marts.metrics_bookings_quarterly
                """,
                key=("bookings_quarter_motion_id",),
                rules=(
                    share(
                        "bookings_share_is_a_share",
                        "share_of_bookings",
                        "A motion's share of a quarter's bookings is a fraction in [0, 1].",
                    ),
                    share(
                        "growth_mix_is_a_share",
                        "growth_mix_actual",
                        "A motion's share of growth bookings is a fraction in [0, 1].",
                    ),
                ),
            ),
            Frame(
                # The motions split the quarter's won ACV, neither losing nor adding a deal.
                sql="""
                select
                    sales.quarter_start,
                    coalesce(bookings.bookings_eur, 0) - sales.won_amount_eur as won_residual
                from marts.metrics_sales_quarterly as sales
                left join (
                    select quarter_start, sum(bookings_eur) as bookings_eur
                    from marts.metrics_bookings_quarterly
                    group by quarter_start
                ) as bookings using (quarter_start)
                where sales.grain = 'total'
                """,
                key=("quarter_start",),
                rules=(
                    within(
                        "motions_add_up_to_the_quarters_won_acv",
                        "won_residual",
                        WEIGHTED_CENT,
                        "New logo, expansion and renewal bookings add up to the quarter's won ACV.",
                    ),
                ),
            ),
        ],
    )
