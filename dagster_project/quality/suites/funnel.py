"""Funnel marts: MQL, SQL and PQL definitions, stage order, conversion rates."""

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
)

LEAD_STAGES = ("created_at", "mql_at", "sql_at", "opportunity_at", "customer_at")
FUNNEL_RATES = (
    "lead_to_mql_rate",
    "mql_to_sql_rate",
    "sql_to_opportunity_rate",
    "opportunity_to_won_rate",
    "response_within_sla_share",
    "response_within_24h_share",
)


def funnel_suites(config: Mapping[str, Any]) -> list[Suite]:
    return [
        fct_leads_suite(config),
        fct_lead_lifecycle_history_suite(config),
        metrics_funnel_monthly_suite(config),
    ]


def stage_order(stages: tuple[str, ...]) -> str:
    """SQL naming the first stage timestamp earlier than a previous present stage, else null."""
    checks = [
        f"when {stage} < greatest({', '.join(stages[:index])}) "
        f"then '{stage} before ' || {_latest_label(stages[:index])}"
        for index, stage in enumerate(stages)
        if index > 0
    ]
    return "case " + " ".join(checks) + " end"


def _latest_label(stages: tuple[str, ...]) -> str:
    """SQL giving the name of the latest present stage among `stages`."""
    if len(stages) == 1:
        return f"'{stages[0]}'"
    latest = f"greatest({', '.join(stages)})"
    cases = " ".join(f"when {stage} = {latest} then '{stage}'" for stage in reversed(stages))
    return f"case {cases} end"


def _sql_rule(config: Mapping[str, Any]) -> Rule:
    """The SQL definition in force: BANT complete (default) or BMANTER score >= its cut-off."""
    is_sql = Where("sql_at", "not_null")
    if config["sql_rule"] == "bmanter":
        return between(
            "sql_meets_bmanter_threshold",
            "bmanter_score",
            "Every SQL scored at least the BMANTER threshold (sql_rule: bmanter).",
            min_value=config["bmanter_sql_threshold"],
            where=(is_sql,),
        )
    return in_set(
        "sql_has_bant_complete",
        "is_bant_complete",
        [True],
        "Every SQL has Budget, Authority, Need and Timing all confirmed (sql_rule: bant).",
        where=(is_sql,),
    )


def fct_leads_suite(config: Mapping[str, Any]) -> Suite:
    is_mql = Where("mql_at", "not_null")
    return mart_suite(
        "fct_leads",
        "One row per lead: lifecycle moments, scores and response time.",
        [
            Frame(
                # Missing evidence reads as failing evidence: a null score or intent flag on an
                # MQL breaches the definition; it is not a row to skip.
                sql=f"""
                select
                    lead_id,
                    mql_at,
                    sql_at,
                    coalesce(score_at_mql, 0) as score_at_mql,
                    coalesce(intent_signal_at_mql, false) as intent_signal_at_mql,
                    coalesce(
                        mql_intent_signal_at <= mql_at
                        and mql_intent_signal_at
                            >= mql_at - interval '{config["intent_window_days"]} day',
                        false
                    ) as intent_signal_in_window,
                    coalesce(is_bant_complete, false) as is_bant_complete,
                    coalesce(bmanter_score, 0) as bmanter_score,
                    lead_score,
                    {stage_order(LEAD_STAGES)} as stage_out_of_order
                from marts.fct_leads
                """,
                key=("lead_id",),
                rules=(
                    between(
                        "mql_score_at_threshold",
                        "score_at_mql",
                        "Every MQL had a lead score at or above the MQL threshold at its MQL time.",
                        min_value=config["mql_score_threshold"],
                        where=(is_mql,),
                    ),
                    in_set(
                        "mql_had_intent_signal",
                        "intent_signal_at_mql",
                        [True],
                        "Every MQL had an intent signal in the window before its MQL time.",
                        where=(is_mql,),
                    ),
                    in_set(
                        "mql_intent_signal_in_window",
                        "intent_signal_in_window",
                        [True],
                        "The intent signal an MQL cites lies within the configured window "
                        "before its MQL time.",
                        where=(is_mql,),
                    ),
                    _sql_rule(config),
                    between(
                        "lead_score_in_range",
                        "lead_score",
                        "Lead scores lie between 0 and the configured cap.",
                        min_value=0,
                        max_value=config["lead_score_cap"],
                    ),
                    Rule(
                        "lifecycle_timestamps_ordered",
                        "created <= MQL <= SQL <= opportunity <= customer, where present.",
                        "ExpectColumnValuesToBeNull",
                        {"column": "stage_out_of_order"},
                    ),
                ),
            )
        ],
    )


def fct_lead_lifecycle_history_suite(config: Mapping[str, Any]) -> Suite:
    core_features = ", ".join(f"'{feature}'" for feature in config["core_features"])
    return mart_suite(
        "fct_lead_lifecycle_history",
        "One row per lead and lifecycle stage entered, with the record that proves it.",
        [
            Frame(
                # Recounted from the product events, independently of the model's ranking: the
                # distinct core features the PQL's workspace had used by its PQL time.
                sql=f"""
                with pqls as (
                    select lead_stage_entry_id, lead_id, entered_at, evidence_id
                    from marts.fct_lead_lifecycle_history
                    where lifecycle_stage = 'pql'
                ),
                pql_workspaces as (
                    select pqls.*, evidence.workspace_id
                    from pqls
                    left join staging.stg_product__tracks as evidence
                        on pqls.evidence_id = evidence.event_id
                )
                select
                    pql_workspaces.lead_stage_entry_id,
                    pql_workspaces.lead_id,
                    count(distinct uses.feature_name) as core_features_at_pql
                from pql_workspaces
                left join staging.stg_product__tracks as uses
                    on pql_workspaces.workspace_id = uses.workspace_id
                    and uses.event_name = 'Feature Used'
                    and uses.feature_name in ({core_features})
                    and uses.occurred_at <= pql_workspaces.entered_at
                group by pql_workspaces.lead_stage_entry_id, pql_workspaces.lead_id
                """,
                key=("lead_stage_entry_id",),
                rules=(
                    between(
                        "pql_used_enough_core_features",
                        "core_features_at_pql",
                        "Every PQL's workspace had used at least the configured number of "
                        "distinct core features by its PQL time.",
                        min_value=config["pql_feature_count"],
                    ),
                ),
            ),
        ],
    )


def metrics_funnel_monthly_suite(config: Mapping[str, Any]) -> Suite:
    target = config["sql_to_opportunity_target"]
    return mart_suite(
        "metrics_funnel_monthly",
        "Funnel conversion by cohort month and channel.",
        [
            Frame(
                sql=f"""
                select
                    funnel_month_channel_id,
                    {", ".join(FUNNEL_RATES)},
                    cast(sql_to_opportunity_target as double) as sql_to_opportunity_target,
                    is_sql_to_opportunity_target_met
                        = (sql_to_opportunity_rate >= sql_to_opportunity_target)
                        as target_verdict_agrees
                from marts.metrics_funnel_monthly
                """,
                key=("funnel_month_channel_id",),
                rules=(
                    *(
                        share(f"{rate}_is_a_share", rate, f"{rate} lies in [0, 1].")
                        for rate in FUNNEL_RATES
                    ),
                    in_set(
                        "sql_to_opportunity_target_is_configured",
                        "sql_to_opportunity_target",
                        [target],
                        "The SLA target shown is the configured SQL -> opportunity target.",
                    ),
                    in_set(
                        "sql_to_opportunity_verdict_agrees",
                        "target_verdict_agrees",
                        [True],
                        "'Target met' is true exactly when the rate reaches the target.",
                    ),
                ),
            )
        ],
    )
