"""SLA mart: one row per inter-team SLA and month, its configured target and verdict."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagster_project.quality.engine.suite import (
    WEIGHT_NOISE,
    Frame,
    Suite,
    in_set,
    mart_suite,
    within,
)
from dagster_project.quality.suites.segments import config_case

# The configured target of each SLA row.
SLA_TARGET_VARS = {
    "sqls_delivered": "sla_marketing_sqls_per_month",
    "lead_response_hours": "response_sla_hours",
    "sql_to_opportunity_rate": "sql_to_opportunity_target",
    "nrr": "nrr_sla_target",
    "onboarding_csat": "sla_onboarding_csat_min",
}


def sla_suites(config: Mapping[str, Any]) -> list[Suite]:
    return [metrics_sla_monthly_suite(config)]


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
                    target - {config_case("sla", targets)} as target_residual,
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
