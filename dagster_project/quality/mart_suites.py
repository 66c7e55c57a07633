"""Suites for the public marts: the metric definitions of METRICS.md, as expectations.

Every threshold, weight and cut-off is read from `config` (dbt_project.yml's vars, the ones the
models read), so changing a definition there moves the model and its check together. Where a
definition spans columns (stage order, the MRR bridge), the frame's SQL computes the quantity in
DuckDB and the rule bounds it, so the failing rows carry the observed discrepancy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagster_project.quality.suites import (
    Frame,
    Rule,
    Suite,
    Where,
    between,
    in_set,
    not_null,
    unique,
)

# Money reconciles "to the cent"; half a cent absorbs float noise in the residual.
CENT_TOLERANCE = 0.005


def mart_suites(config: Mapping[str, Any]) -> list[Suite]:
    return [fct_leads_suite(config)]


def mart_suite(model: str, description: str, frames: tuple[Frame, ...]) -> Suite:
    return Suite(
        name=f"marts_{model}", asset_key=("marts", model), description=description, frames=frames
    )


def key_rules(*key: str) -> list[Rule]:
    """The model's primary key: present and unique."""
    return [
        *(not_null(f"{column}_not_null", column, f"Every row has its {column}.") for column in key),
        unique(f"{'_'.join(key)}_unique", key, "One row per primary key."),
    ]


def stage_order(stages: tuple[str, ...]) -> str:
    """SQL naming the first stage timestamp that precedes an earlier present stage, else null."""
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
    greatest = f"greatest({', '.join(stages)})"
    cases = " ".join(f"when {stage} = {greatest} then '{stage}'" for stage in reversed(stages))
    return f"case {cases} end"


def fct_leads_suite(config: Mapping[str, Any]) -> Suite:
    stages = ("created_at", "mql_at", "sql_at", "opportunity_at", "customer_at")
    is_mql = Where("mql_at", "not_null")
    is_sql = Where("sql_at", "not_null")
    if config["sql_rule"] == "bmanter":
        sql_rule = between(
            "sql_meets_bmanter_threshold",
            "bmanter_score",
            "Every SQL scored at least the BMANTER threshold (sql_rule: bmanter).",
            min_value=config["bmanter_sql_threshold"],
            where=(is_sql,),
        )
    else:
        sql_rule = in_set(
            "sql_has_bant_complete",
            "is_bant_complete",
            [True],
            "Every SQL has Budget, Authority, Need and Timing all confirmed (sql_rule: bant).",
            where=(is_sql,),
        )
    return mart_suite(
        "fct_leads",
        "One row per lead: lifecycle moments, scores and response time.",
        (
            Frame(
                # Missing evidence reads as failing evidence: a null score or intent flag on an
                # MQL is a definition breach, not a row to skip.
                sql=f"""
                select
                    lead_id,
                    mql_at,
                    sql_at,
                    coalesce(score_at_mql, 0) as score_at_mql,
                    coalesce(intent_signal_at_mql, false) as intent_signal_at_mql,
                    coalesce(is_bant_complete, false) as is_bant_complete,
                    coalesce(bmanter_score, 0) as bmanter_score,
                    lead_score,
                    {stage_order(stages)} as stage_out_of_order
                from marts.fct_leads
                """,
                key=("lead_id",),
                rules=(
                    *key_rules("lead_id"),
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
                    sql_rule,
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
            ),
        ),
    )
