"""What a quality suite is: SQL frames holding the columns a suite needs, and rules over them.

A rule is plain data (a GX expectation class name and its arguments), so Dagster definitions load
without importing great-expectations, whose import alone costs seconds; gx_runner.py turns rules
into GX expectations only when a check runs. Thresholds in the arguments come from the metric
configuration (metric_config.py), never from literals here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

# Weights are decimals from YAML: their sum may miss 1 by float noise, never by more.
WEIGHT_NOISE = 1e-9
# Money reconciles "to the cent": half a cent absorbs float noise in a residual.
CENT = 0.005

Operator = Literal["not_null", "is_null", "==", "!=", ">=", ">", "<", "<=", "in"]


@dataclass(frozen=True)
class Where:
    """A row condition: the rule reads only the rows where `column <op> value`."""

    column: str
    op: Operator
    value: Any = None

    def describe(self) -> str:
        if self.op in ("not_null", "is_null"):
            return f"{self.column} {self.op.replace('_', ' ')}"
        return f"{self.column} {self.op} {self.value!r}"


@dataclass(frozen=True)
class Rule:
    """One expectation, surfaced as one Dagster asset check named `name`."""

    name: str
    description: str
    # A class of `great_expectations.expectations`, e.g. "ExpectColumnValuesToBeBetween".
    expectation: str
    kwargs: Mapping[str, Any]
    # Blocking rules stop downstream assets (and publishing) when they fail; the others warn.
    blocking: bool = True
    where: tuple[Where, ...] = ()


@dataclass(frozen=True)
class Frame:
    """One query's columns and the rules that read them; `key` names the offending rows."""

    sql: str
    key: tuple[str, ...]
    rules: tuple[Rule, ...]
    # Rows carry `_landing_date` and `_loaded_at` (event tables): validate only the landing
    # dates loaded since they last passed (landing_scope.py).
    landing_dates: bool = False


@dataclass(frozen=True)
class Suite:
    """The rules guarding one asset, run together by one check step."""

    name: str
    asset_key: tuple[str, ...]
    description: str
    frames: tuple[Frame, ...]

    @property
    def rules(self) -> tuple[Rule, ...]:
        return tuple(rule for frame in self.frames for rule in frame.rules)

    def rule(self, name: str) -> Rule:
        return next(rule for rule in self.rules if rule.name == name)


def not_null(
    name: str, column: str, description: str, *, blocking: bool = True, where: Sequence[Where] = ()
) -> Rule:
    return Rule(
        name, description, "ExpectColumnValuesToNotBeNull", {"column": column}, blocking, (*where,)
    )


def unique(name: str, columns: Sequence[str], description: str, *, blocking: bool = True) -> Rule:
    if len(columns) == 1:
        return Rule(
            name, description, "ExpectColumnValuesToBeUnique", {"column": columns[0]}, blocking
        )
    return Rule(
        name, description, "ExpectCompoundColumnsToBeUnique", {"column_list": [*columns]}, blocking
    )


def in_set(
    name: str,
    column: str,
    values: Sequence[Any],
    description: str,
    *,
    blocking: bool = True,
    where: Sequence[Where] = (),
) -> Rule:
    return Rule(
        name,
        description,
        "ExpectColumnValuesToBeInSet",
        {"column": column, "value_set": [*values]},
        blocking,
        (*where,),
    )


def between(
    name: str,
    column: str,
    description: str,
    *,
    min_value: float | None = None,
    max_value: float | None = None,
    blocking: bool = True,
    where: Sequence[Where] = (),
) -> Rule:
    bounds = {
        key: value
        for key, value in (("min_value", min_value), ("max_value", max_value))
        if value is not None
    }
    return Rule(
        name,
        description,
        "ExpectColumnValuesToBeBetween",
        {"column": column, **bounds},
        blocking,
        (*where,),
    )


def ordered(
    name: str, earlier: str, later: str, description: str, *, blocking: bool = True
) -> Rule:
    """`earlier <= later` on every row where both are present."""
    return Rule(
        name,
        description,
        "ExpectColumnPairValuesAToBeGreaterThanB",
        {
            "column_A": later,
            "column_B": earlier,
            "or_equal": True,
            "ignore_row_if": "either_value_is_missing",
        },
        blocking,
    )


def within(
    name: str, column: str, tolerance: float, description: str, *, blocking: bool = True
) -> Rule:
    """A computed discrepancy (e.g. a reconciliation residual) stays within +/- tolerance."""
    return between(
        name, column, description, min_value=-tolerance, max_value=tolerance, blocking=blocking
    )


def share(name: str, column: str, description: str, *, blocking: bool = True) -> Rule:
    """A rate or share lies within [0, 1] (rows where it is undefined, null, are skipped)."""
    return between(name, column, description, min_value=0, max_value=1, blocking=blocking)


def mart_suite(model: str, description: str, frames: Sequence[Frame]) -> Suite:
    """A suite guarding `marts.<model>`, keyed as the dbt translator keys it."""
    return Suite(
        name=f"marts_{model}",
        asset_key=("marts", model),
        description=description,
        frames=(*frames,),
    )
