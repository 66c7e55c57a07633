"""Customer health mart: the weighted score, its bands and its weights (METRICS.md "Health")."""

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
    key_rules,
    mart_suite,
    within,
)

SIGNALS = ("seat_activity", "feature_breadth", "depth", "support_friction", "sentiment")
# The model rounds the score to 2 decimals: half a hundredth, plus float noise.
ROUNDING = 0.0051
WEIGHT_NOISE = 1e-9


def health_suites(config: Mapping[str, Any]) -> list[Suite]:
    return [fct_account_health_suite(config)]


def weights_frame(name: str, weights: Mapping[str, float], description: str) -> Frame:
    """The configured weights as rows, so GX can check what the models will multiply by."""
    rows = ", ".join(f"('{signal}', {float(weight)!r})" for signal, weight in weights.items())
    return Frame(
        sql=f"select * from (values {rows}) as weights(signal, weight)",
        key=("signal",),
        rules=(
            Rule(
                name,
                description,
                "ExpectColumnSumToBeBetween",
                {"column": "weight", "min_value": 1 - WEIGHT_NOISE, "max_value": 1 + WEIGHT_NOISE},
            ),
        ),
    )


def fct_account_health_suite(config: Mapping[str, Any]) -> Suite:
    weights = config["health_weights"]
    green, yellow = config["health_green_min"], config["health_yellow_min"]
    composite = " + ".join(f"{float(weights[signal])!r} * {signal}_score" for signal in SIGNALS)
    return mart_suite(
        "fct_account_health",
        "Health score per account and week: five signals, weighted, banded.",
        [
            weights_frame(
                "health_weights_sum_to_one",
                weights,
                "The configured health signal weights sum to 1.",
            ),
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
                    *key_rules("account_week_id"),
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
