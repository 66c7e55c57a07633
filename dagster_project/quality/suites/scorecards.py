"""Role scorecards: configured results and targets, shares in [0, 1], totals that add up."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagster_project.quality.engine.suite import (
    CENT,
    WEIGHT_NOISE,
    Frame,
    Suite,
    in_set,
    mart_suite,
    share,
    within,
)

# Results that are shares of a count: within [0, 1] whenever they are defined.
SHARE_RESULTS = (
    "sql_to_opportunity_rate",
    "win_rate",
    "stage_conversion_rate",
    "green_account_share",
    "red_account_share",
    "logo_churn_rate",
    "renewal_rate_arr",
)
# Results measured on the pipeline open when a quarter began: a month has none.
QUARTER_ONLY_RESULTS = ("pipeline_coverage", "pipeline_velocity_eur_per_day")


def scorecards_suites(config: Mapping[str, Any]) -> list[Suite]:
    return [metrics_rep_scorecards_suite(config)]


def _sql_list(values: list[str] | tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


def _sql_number(value: float | None) -> str:
    return "null" if value is None else repr(float(value))


def _configured_targets(config: Mapping[str, Any]) -> str:
    """SQL of the configured target of each (role, result, grain), null where none is set."""
    rows = [
        f"('{role}', '{result}', '{grain}', {_sql_number(spec[grain])})"
        for role, results in config["scorecard_results"].items()
        for result, spec in results.items()
        for grain in ("month", "quarter")
    ]
    return f"(values {', '.join(rows)}) as configured (role, result, period_grain, target)"


def _expected_results(config: Mapping[str, Any]) -> str:
    """SQL of how many results each role's rep has per month and per quarter."""
    rows = []
    for role, results in config["scorecard_results"].items():
        monthly = [result for result in results if result not in QUARTER_ONLY_RESULTS]
        rows += [f"('{role}', 'month', {len(monthly)})", f"('{role}', 'quarter', {len(results)})"]
    return f"(values {', '.join(rows)}) as expected (role, period_grain, results)"


def metrics_rep_scorecards_suite(config: Mapping[str, Any]) -> Suite:
    return mart_suite(
        "metrics_rep_scorecards",
        "One row per rep, period and configured result: target, actual, met or missed.",
        [
            Frame(
                sql=f"""
                select
                    scorecards.rep_scorecard_id,
                    scorecards.result,
                    case when scorecards.result in ({_sql_list(SHARE_RESULTS)})
                        then scorecards.actual end as share_actual,
                    coalesce(scorecards.target, -1) - coalesce(configured.target, -1)
                        as target_residual,
                    case
                        when scorecards.actual is null or scorecards.target is null then null
                        else scorecards.is_met = case scorecards.comparison
                            when '>=' then scorecards.actual >= scorecards.target
                            when '>' then scorecards.actual > scorecards.target
                            when '<=' then scorecards.actual <= scorecards.target
                            when '<' then scorecards.actual < scorecards.target
                        end
                    end as verdict_agrees
                from marts.metrics_rep_scorecards as scorecards
                left join {_configured_targets(config)}
                    on scorecards.role = configured.role
                    and scorecards.result = configured.result
                    and scorecards.period_grain = configured.period_grain
                """,
                key=("rep_scorecard_id",),
                rules=(
                    share(
                        "scorecard_shares_within_0_1",
                        "share_actual",
                        "Rates and band shares of a scorecard are fractions in [0, 1].",
                    ),
                    within(
                        "scorecard_target_is_configured",
                        "target_residual",
                        WEIGHT_NOISE,
                        "Each result's target is the one configured for its role and period.",
                    ),
                    in_set(
                        "scorecard_verdict_follows_target",
                        "verdict_agrees",
                        [True],
                        "'Met' is true exactly when the actual beats the target the result's way.",
                    ),
                ),
            ),
            Frame(
                # One row per rep and period, holding each configured result of the role once.
                sql=f"""
                select
                    scorecards.owner_id || '|' || scorecards.period_grain || '|'
                        || scorecards.period_start as rep_period,
                    count(*) - max(expected.results) as results_missing_or_extra,
                    count(distinct scorecards.result) = count(*) as results_are_distinct
                from marts.metrics_rep_scorecards as scorecards
                left join {_expected_results(config)}
                    on scorecards.role = expected.role
                    and scorecards.period_grain = expected.period_grain
                group by scorecards.owner_id, scorecards.period_grain, scorecards.period_start
                """,
                key=("rep_period",),
                rules=(
                    within(
                        "scorecard_has_each_configured_result",
                        "results_missing_or_extra",
                        0,
                        "Every rep and period has each result configured for its role, once.",
                    ),
                    in_set(
                        "scorecard_results_distinct",
                        "results_are_distinct",
                        [True],
                        "No result appears twice on a rep's scorecard for a period.",
                    ),
                ),
            ),
            Frame(
                # Team totals: what the reps of a role delivered adds up to the company's figure.
                sql="""
                with sdr_sqls as (
                    select period_start, sum(actual) as sqls
                    from marts.metrics_rep_scorecards
                    where role = 'SDR' and period_grain = 'month' and result = 'sqls_delivered'
                    group by period_start
                ),
                ae_bookings as (
                    select period_start, sum(actual) as bookings_eur
                    from marts.metrics_rep_scorecards
                    where role = 'AE' and period_grain = 'quarter' and result = 'bookings_eur'
                    group by period_start
                )
                select
                    'sqls_delivered|' || slas.month_start as team_total,
                    sdr_sqls.sqls - slas.actual as residual
                from marts.metrics_sla_monthly as slas
                inner join sdr_sqls on slas.month_start = sdr_sqls.period_start
                where slas.sla = 'sqls_delivered'
                union all
                select
                    'bookings_eur|' || sales.quarter_start as team_total,
                    ae_bookings.bookings_eur - sales.won_amount_eur as residual
                from marts.metrics_sales_quarterly as sales
                inner join ae_bookings on sales.quarter_start = ae_bookings.period_start
                where sales.grain = 'total'
                """,
                key=("team_total",),
                rules=(
                    # A warning: a company whose CRM gives leads or deals to other roles (an AE
                    # owning a lead) has figures no SDR or AE scorecard carries.
                    within(
                        "scorecard_team_totals_add_up",
                        "residual",
                        CENT,
                        "The SDRs' monthly SQLs and the AEs' quarterly bookings add up to the "
                        "company's SQLs delivered and won amount (to the cent).",
                        blocking=False,
                    ),
                ),
            ),
        ],
    )
