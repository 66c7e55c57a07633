"""Revenue marts: MRR, its bridge, NRR/GRR and churn rates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagster_project.quality.engine.suite import (
    CENT,
    Frame,
    Rule,
    Suite,
    between,
    in_set,
    mart_suite,
    share,
    within,
)
from dagster_project.quality.suites.finance import net_revenue_rules

# GRR <= NRR compares two ratios computed separately: allow float noise, nothing more.
RATIO_NOISE = 1e-9
MOVEMENT_TYPES = ("new", "expansion", "contraction", "churn", "reactivation", "unchanged")
REVENUE_SHARES = ("logo_churn_rate", "trailing_logo_churn_rate", "early_churn_rate")


def revenue_suites(config: Mapping[str, Any]) -> list[Suite]:
    return [
        fct_mrr_suite(config),
        metrics_revenue_monthly_suite(config),
        metrics_revenue_segment_monthly_suite(config),
        metrics_renewals_quarterly_suite(config),
    ]


def fct_mrr_suite(config: Mapping[str, Any]) -> Suite:
    return mart_suite(
        "fct_mrr",
        "MRR per customer and month, with its movement.",
        [
            Frame(
                sql="""
                select
                    customer_month_id,
                    mrr_eur,
                    mrr_start_eur,
                    movement_type,
                    mrr_eur - (mrr_start_eur + movement_eur) as movement_residual_eur,
                    arr_eur - 12 * mrr_eur as arr_residual_eur
                from marts.fct_mrr
                """,
                key=("customer_month_id",),
                rules=(
                    between("mrr_not_negative", "mrr_eur", "MRR is never negative.", min_value=0),
                    between(
                        "mrr_start_not_negative",
                        "mrr_start_eur",
                        "Opening MRR is never negative.",
                        min_value=0,
                    ),
                    in_set(
                        "movement_type_known",
                        "movement_type",
                        MOVEMENT_TYPES,
                        "Each customer-month is one of the bridge's movements (or unchanged).",
                    ),
                    within(
                        "movement_reconciles",
                        "movement_residual_eur",
                        CENT,
                        "Closing MRR = opening MRR + the month's movement, to the cent.",
                    ),
                    within("arr_is_twelve_mrr", "arr_residual_eur", CENT, "ARR = 12 x MRR."),
                ),
            ),
            mrr_history_frame(),
        ],
    )


def mrr_history_frame() -> Frame:
    """The MRR gate: fct_mrr counts every subscription over its whole life. Its evidence is
    checked by int_subscription_evidence_summarized (a history built from events, invoices and
    subscription versions, in the order docs/metrics.md gives): a stretch no evidence covers, a
    paid invoice billing while the history shows no payment, or a price nothing values stops
    the run, each subscription named with its first problem."""
    return Frame(
        sql="""
        select subscription_id, history_problem
        from intermediate.int_subscription_evidence_summarized
        """,
        key=("subscription_id",),
        rules=(
            Rule(
                "mrr_history_complete",
                "Every subscription's MRR history is evidenced from its start to the as-of date "
                "(events, invoices, subscription versions) and covers every paid invoice.",
                "ExpectColumnValuesToBeNull",
                {"column": "history_problem"},
            ),
        ),
    )


def metrics_revenue_monthly_suite(config: Mapping[str, Any]) -> Suite:
    return mart_suite(
        "metrics_revenue_monthly",
        "The monthly MRR bridge, retention, churn and acquisition metrics.",
        [
            Frame(
                sql=f"""
                select
                    month_start,
                    mrr_end_eur,
                    mrr_end_eur - (
                        mrr_start_eur + new_mrr_eur + expansion_mrr_eur + reactivation_mrr_eur
                        - contraction_mrr_eur - churned_mrr_eur
                    ) as bridge_residual_eur,
                    nrr,
                    grr,
                    grr - nrr as grr_above_nrr,
                    {", ".join(REVENUE_SHARES)}
                from marts.metrics_revenue_monthly
                """,
                key=("month_start",),
                rules=(
                    within(
                        "mrr_bridge_reconciles",
                        "bridge_residual_eur",
                        CENT,
                        "End MRR = start + new + expansion + reactivation - contraction - churn, "
                        "to the cent, every month.",
                    ),
                    between(
                        "mrr_end_not_negative", "mrr_end_eur", "MRR is never negative.", min_value=0
                    ),
                    between(
                        "grr_not_above_nrr",
                        "grr_above_nrr",
                        "GRR never exceeds NRR (it caps each customer at its starting MRR).",
                        max_value=RATIO_NOISE,
                    ),
                    share("grr_at_most_100_percent", "grr", "GRR lies in [0, 100%]."),
                    between("nrr_not_negative", "nrr", "NRR is never negative.", min_value=0),
                    *(
                        share(f"{rate}_is_a_share", rate, f"{rate} lies in [0, 1].")
                        for rate in REVENUE_SHARES
                    ),
                ),
            )
        ],
    )


def metrics_revenue_segment_monthly_suite(config: Mapping[str, Any]) -> Suite:
    return mart_suite(
        "metrics_revenue_segment_monthly",
        "Net revenue, average basket and MRR per segment and month.",
        [
            Frame(
                sql="""
                select
                    segment_month_id,
                    credited_revenue_eur,
                    net_revenue_eur - (invoiced_revenue_eur - credited_revenue_eur)
                        as net_residual_eur,
                    mrr_eur
                from marts.metrics_revenue_segment_monthly
                """,
                key=("segment_month_id",),
                rules=(
                    *net_revenue_rules(),
                    between("mrr_not_negative", "mrr_eur", "MRR is never negative.", min_value=0),
                ),
            )
        ],
    )


def metrics_renewals_quarterly_suite(config: Mapping[str, Any]) -> Suite:
    return mart_suite(
        "metrics_renewals_quarterly",
        "Renewal rate of term contracts by quarter, in logos and in ARR.",
        [
            Frame(
                sql="""
                select
                    quarter_start,
                    renewal_rate_logos,
                    renewal_rate_arr,
                    renewals_decided - renewed_on_time - renewed_late - not_renewed
                        as unaccounted_renewals
                from marts.metrics_renewals_quarterly
                """,
                key=("quarter_start",),
                rules=(
                    share(
                        "renewal_rate_logos_is_a_share",
                        "renewal_rate_logos",
                        "The share of decided renewals that renewed lies in [0, 1].",
                    ),
                    share(
                        "renewal_rate_arr_is_a_share",
                        "renewal_rate_arr",
                        "The share of the ARR at stake that renewed lies in [0, 1].",
                    ),
                    within(
                        "every_decided_renewal_has_an_outcome",
                        "unaccounted_renewals",
                        0,
                        "A decided renewal is renewed on time, renewed late or not renewed.",
                    ),
                ),
            )
        ],
    )
