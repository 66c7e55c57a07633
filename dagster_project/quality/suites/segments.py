"""Segmentation marts: ABC classes from configured cut-offs, and the effort plan."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagster_project.quality.engine.suite import (
    WEIGHT_NOISE,
    Frame,
    Suite,
    Where,
    between,
    in_set,
    mart_suite,
    share,
    within,
)


def segments_suites(config: Mapping[str, Any]) -> list[Suite]:
    return [
        fct_account_segments_suite(config),
        metrics_segment_effort_suite(config),
    ]


def config_case(column: str, values: Mapping[str, Any]) -> str:
    """SQL mapping each value of `column` to its configured number."""
    whens = " ".join(f"when '{key}' then {float(value)!r}" for key, value in values.items())
    return f"case {column} {whens} end"


def fct_account_segments_suite(config: Mapping[str, Any]) -> Suite:
    high, medium = config["segment_potential_high_min"], config["segment_potential_medium_min"]
    return mart_suite(
        "fct_account_segments",
        "ABC segment per account from revenue weight and potential.",
        [
            Frame(
                sql="""
                select company_id, revenue_share, potential_score, potential_class
                from marts.fct_account_segments
                """,
                key=("company_id",),
                rules=(
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
            Frame(
                sql=f"""
                select
                    segment,
                    actual_effort_share,
                    planned_effort_share - {config_case("segment", planned)} as planned_residual
                from marts.metrics_segment_effort
                """,
                key=("segment",),
                rules=(
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
