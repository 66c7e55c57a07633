"""Segmentation and SLA marts: ABC classes from configured cut-offs, effort plan, SLA verdicts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagster_project.quality.suites import (
    WEIGHT_NOISE,
    Frame,
    Suite,
    Where,
    between,
    in_set,
    key_rules,
    mart_suite,
    share,
    weights_frame,
    within,
)

# The configured target of each SLA row (METRICS.md "Inter-team SLAs").
SLA_TARGET_VARS = {
    "sqls_delivered": "sla_marketing_sqls_per_month",
    "lead_response_hours": "response_sla_hours",
    "sql_to_opportunity_rate": "sql_to_opportunity_target",
    "nrr": "nrr_sla_target",
    "onboarding_csat": "sla_onboarding_csat_min",
}


def segments_suites(config: Mapping[str, Any]) -> list[Suite]:
    return [
        fct_account_segments_suite(config),
        metrics_segment_effort_suite(config),
        metrics_sla_monthly_suite(config),
    ]


def _case(column: str, values: Mapping[str, Any]) -> str:
    """SQL mapping each value of `column` to its configured number."""
    whens = " ".join(f"when '{key}' then {float(value)!r}" for key, value in values.items())
    return f"case {column} {whens} end"


def fct_account_segments_suite(config: Mapping[str, Any]) -> Suite:
    high, medium = config["segment_potential_high_min"], config["segment_potential_medium_min"]
    return mart_suite(
        "fct_account_segments",
        "ABC segment per account from revenue weight and potential.",
        [
            weights_frame(
                "potential_weights_sum_to_one",
                config["segment_potential_weights"],
                "The configured potential criteria weights sum to 1.",
            ),
            Frame(
                sql="""
                select company_id, revenue_share, potential_score, potential_class
                from marts.fct_account_segments
                """,
                key=("company_id",),
                rules=(
                    *key_rules("company_id"),
                    share(
                        "revenue_share_is_a_share", "revenue_share", "Revenue shares lie in [0, 1]."
                    ),
                    between(
                        "potential_score_in_range",
                        "potential_score",
                        "The potential score lies in [0, 100].",
                        min_value=0,
                        max_value=100,
                    ),
                    in_set(
                        "high_potential_from_cutoff",
                        "potential_class",
                        ["high"],
                        "Potential at or above the high cut-off is high.",
                        where=(Where("potential_score", ">=", high),),
                    ),
                    in_set(
                        "medium_potential_between_cutoffs",
                        "potential_class",
                        ["medium"],
                        "Potential from the medium cut-off up to the high one is medium.",
                        where=(
                            Where("potential_score", ">=", medium),
                            Where("potential_score", "<", high),
                        ),
                    ),
                    in_set(
                        "low_potential_below_cutoff",
                        "potential_class",
                        ["low"],
                        "Potential below the medium cut-off is low.",
                        where=(Where("potential_score", "<", medium),),
                    ),
                ),
            ),
        ],
    )


def metrics_segment_effort_suite(config: Mapping[str, Any]) -> Suite:
    planned = config["segment_planned_effort"]
    return mart_suite(
        "metrics_segment_effort",
        "Commercial effort per segment against the planned allocation.",
        [
            weights_frame(
                "planned_effort_sums_to_one",
                planned,
                "The configured effort allocation over segments sums to 1.",
            ),
            Frame(
                sql=f"""
                select
                    segment,
                    actual_effort_share,
                    planned_effort_share - {_case("segment", planned)} as planned_residual
                from marts.metrics_segment_effort
                """,
                key=("segment",),
                rules=(
                    *key_rules("segment"),
                    share(
                        "actual_effort_is_a_share",
                        "actual_effort_share",
                        "Each segment's share of activities lies in [0, 1].",
                    ),
                    within(
                        "planned_effort_is_configured",
                        "planned_residual",
                        WEIGHT_NOISE,
                        "The planned share shown is the configured allocation for the segment.",
                    ),
                ),
            ),
        ],
    )


def metrics_sla_monthly_suite(config: Mapping[str, Any]) -> Suite:
    targets = {sla: config[var] for sla, var in SLA_TARGET_VARS.items()}
    return mart_suite(
        "metrics_sla_monthly",
        "One row per inter-team SLA and month: target, actual, met or missed.",
        [
            Frame(
                sql=f"""
                select
                    sla_month_id,
                    target - {_case("sla", targets)} as target_residual,
                    case
                        when actual is null then null
                        else is_met = case comparison
                            when '>=' then actual >= target
                            when '>' then actual > target
                            when '<' then actual < target
                        end
                    end as verdict_agrees
                from marts.metrics_sla_monthly
                """,
                key=("sla_month_id",),
                rules=(
                    *key_rules("sla_month_id"),
                    within(
                        "target_is_configured",
                        "target_residual",
                        WEIGHT_NOISE,
                        "Each SLA's target is the configured one.",
                    ),
                    in_set(
                        "verdict_follows_target",
                        "verdict_agrees",
                        [True],
                        "'Met' is true exactly when the actual beats the target the SLA's way.",
                    ),
                ),
            )
        ],
    )
