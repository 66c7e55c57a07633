"""Customer health mart: the weighted score, its bands and its weights."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagster_project.quality.engine.suite import (
    Frame,
    Suite,
    Where,
    between,
    in_set,
    mart_suite,
    share,
    within,
)

SIGNALS = ("seat_activity", "feature_breadth", "depth", "support_friction", "sentiment")
# The model rounds the score to 2 decimals: half a hundredth, plus float noise.
ROUNDING = 0.0051


def health_suites(config: Mapping[str, Any]) -> list[Suite]:
    return [fct_account_health_suite(config), metrics_health_backtest_suite(config)]


def fct_account_health_suite(config: Mapping[str, Any]) -> Suite:
    weights = config["health_weights"]
    green, yellow = config["health_green_min"], config["health_yellow_min"]
    composite = " + ".join(f"{float(weights[signal])!r} * {signal}_score" for signal in SIGNALS)
    return mart_suite(
        "fct_account_health",
        "Health score per account and week: five signals, weighted, banded.",
        [
            Frame(
                sql=f"""
                select
                    account_week_id,
                    health_score,
                    health_band,
                    {", ".join(f"{signal}_score" for signal in SIGNALS)},
                    health_score - ({composite}) as composite_residual
                from marts.fct_account_health
                """,
                key=("account_week_id",),
                rules=(
                    between(
                        "health_score_in_range",
                        "health_score",
                        "The health score lies in [0, 100].",
                        min_value=0,
                        max_value=100,
                    ),
                    *(
                        between(
                            f"{signal}_score_in_range",
                            f"{signal}_score",
                            f"The {signal} signal is scaled to [0, 100].",
                            min_value=0,
                            max_value=100,
                        )
                        for signal in SIGNALS
                    ),
                    within(
                        "health_score_is_weighted_signals",
                        "composite_residual",
                        ROUNDING,
                        "The score is the configured weighted sum of the five signals.",
                    ),
                    in_set(
                        "green_band_from_cutoff",
                        "health_band",
                        ["green"],
                        "Scores at or above the green cut-off are green.",
                        where=(Where("health_score", ">=", green),),
                    ),
                    in_set(
                        "yellow_band_between_cutoffs",
                        "health_band",
                        ["yellow"],
                        "Scores from the yellow cut-off up to the green one are yellow.",
                        where=(
                            Where("health_score", ">=", yellow),
                            Where("health_score", "<", green),
                        ),
                    ),
                    in_set(
                        "red_band_below_cutoff",
                        "health_band",
                        ["red"],
                        "Scores below the yellow cut-off are red.",
                        where=(Where("health_score", "<", yellow),),
                    ),
                ),
            ),
        ],
    )


def metrics_health_backtest_suite(config: Mapping[str, Any]) -> Suite:
    return mart_suite(
        "metrics_health_backtest",
        "Churn in the following window by health band: does the score mean something?",
        [
            Frame(
                sql="select health_band, churn_rate from marts.metrics_health_backtest",
                key=("health_band",),
                rules=(share("churn_rate_is_a_share", "churn_rate", "Churn rates lie in [0, 1]."),),
            ),
            Frame(
                # A warning, not a gate: it judges the score's design on the data at hand.
                sql="""
                select
                    'red vs green' as comparison,
                    max(churn_rate) filter (where health_band = 'red')
                        - max(churn_rate) filter (where health_band = 'green')
                        as red_minus_green_churn
                from marts.metrics_health_backtest
                """,
                key=("comparison",),
                rules=(
                    between(
                        "red_churns_at_least_as_much_as_green",
                        "red_minus_green_churn",
                        "Red accounts churn at least as often as green ones.",
                        min_value=0,
                        blocking=False,
                    ),
                ),
            ),
        ],
    )
