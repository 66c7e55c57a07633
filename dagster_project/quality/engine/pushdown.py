"""Rules as DuckDB predicates: which rows of a frame could fail a rule, and how many it reads.

GX on pandas needs the whole frame in memory: at L, raw product tracks alone are 52M rows, and
the quality phase was stopped at 16 GB. A row-wise rule (not null, in set, between, A >= B) fails
on a row because of that row alone, and a uniqueness rule because of the rows sharing its key, so
GX reaches the same verdict, failing count and failing values on the rows DuckDB selects as
possible violations (with every row sharing a key of a possible duplicate) as on the whole frame.
DuckDB also counts the rows each rule reads, which GX, seeing only the candidates, cannot.

The predicates follow pandas' semantics, not SQL's, so that they select a superset of what GX
flags: NaN counts as missing like null, `!=` holds for a missing value, DECIMAL compares as the
float64 pandas receives. A candidate GX then accepts costs nothing; a violation left out would
let a check pass for the wrong reason, so a rule this module cannot translate exactly (an
unknown expectation or argument) returns None and its frame is validated whole.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dagster_project.quality.engine.suite import Rule, Where
from dagster_project.sql_text import sql_identifier, sql_text

# Types pandas receives as float64, where NaN is a missing value as null is.
_FLOATING = ("DOUBLE", "FLOAT", "REAL", "DECIMAL")
_UNIQUE = ("ExpectColumnValuesToBeUnique", "ExpectCompoundColumnsToBeUnique")
# The arguments each translated expectation may carry; any other (mostly, parse_strings_as_...)
# changes GX's verdict in ways the SQL does not follow.
_SUPPORTED: dict[str, set[str]] = {
    "ExpectColumnValuesToNotBeNull": {"column"},
    "ExpectColumnValuesToBeNull": {"column"},
    "ExpectColumnValuesToBeInSet": {"column", "value_set"},
    "ExpectColumnValuesToBeBetween": {
        "column",
        "min_value",
        "max_value",
        "strict_min",
        "strict_max",
    },
    "ExpectColumnPairValuesAToBeGreaterThanB": {
        "column_A",
        "column_B",
        "or_equal",
        "ignore_row_if",
    },
    "ExpectColumnValuesToBeUnique": {"column"},
    "ExpectCompoundColumnsToBeUnique": {"column_list", "ignore_row_if"},
}


def literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return sql_text(value)
    raise TypeError(f"no SQL literal for {value!r}")


def supports(rule: Rule) -> bool:
    """Whether `failing` or `duplicates` translates the rule exactly; if not, the rule's frame
    is validated whole."""
    allowed = _SUPPORTED.get(rule.expectation)
    if allowed is None or not set(rule.kwargs) <= allowed:
        return False
    if rule.kwargs.get("ignore_row_if", _default_ignore(rule)) != _default_ignore(rule):
        return False
    values = [clause.value for clause in rule.where if clause.op not in ("not_null", "is_null")]
    values += [
        *rule.kwargs.get("value_set", ()),
        *(rule.kwargs[k] for k in ("min_value", "max_value") if k in rule.kwargs),
    ]
    try:
        for value in values:
            for item in value if isinstance(value, (list, tuple)) else [value]:
                literal(item)
    except TypeError:
        return False
    return True


def _default_ignore(rule: Rule) -> str | None:
    return {
        "ExpectColumnPairValuesAToBeGreaterThanB": "either_value_is_missing",
        "ExpectCompoundColumnsToBeUnique": "all_values_are_missing",
    }.get(rule.expectation)


def is_uniqueness(rule: Rule) -> bool:
    return rule.expectation in _UNIQUE


def unique_columns(rule: Rule) -> tuple[str, ...]:
    if rule.expectation == "ExpectColumnValuesToBeUnique":
        return (rule.kwargs["column"],)
    return tuple(rule.kwargs["column_list"])


class Columns:
    """SQL for a frame's columns as pandas will see them, given DuckDB's column types."""

    def __init__(self, types: Mapping[str, str]) -> None:
        self.types = types

    def _floating(self, column: str) -> bool:
        return self.types[column].upper().startswith(_FLOATING)

    def value(self, column: str) -> str:
        return (
            f"{sql_identifier(column)}::double"
            if self._floating(column)
            else sql_identifier(column)
        )

    def missing(self, column: str) -> str:
        if self._floating(column):
            return f"({sql_identifier(column)} is null or isnan({sql_identifier(column)}::double))"
        return f"({sql_identifier(column)} is null)"

    def present(self, column: str) -> str:
        return f"(not {self.missing(column)})"

    def condition(self, where: Sequence[Where]) -> str:
        """A rule's row condition, true exactly where GX's pandas row_condition keeps the row."""
        clauses = [self._clause(clause) for clause in where]
        return " and ".join(f"coalesce({clause}, false)" for clause in clauses) or "true"

    def _clause(self, clause: Where) -> str:
        column = clause.column
        if clause.op == "not_null":
            return self.present(column)
        if clause.op == "is_null":
            return self.missing(column)
        if clause.op == "!=":
            # pandas: a missing value differs from every value.
            return f"({self.missing(column)} or {self.value(column)} <> {literal(clause.value)})"
        if clause.op == "in":
            values = ", ".join(literal(v) for v in clause.value)
            return f"({self.present(column)} and {self.value(column)} in ({values}))"
        comparison = f"{self.value(column)} {clause.op} {literal(clause.value)}"
        return f"({self.present(column)} and {comparison})"

    def failing(self, rule: Rule) -> str:
        """True on a row GX may flag under a row-wise rule (its row condition apart)."""
        kwargs = rule.kwargs
        expectation = rule.expectation
        if expectation == "ExpectColumnValuesToNotBeNull":
            failing = self.missing(kwargs["column"])
        elif expectation == "ExpectColumnValuesToBeNull":
            failing = self.present(kwargs["column"])
        elif expectation == "ExpectColumnValuesToBeInSet":
            column = kwargs["column"]
            values = ", ".join(literal(v) for v in kwargs["value_set"])
            inside = f"coalesce({self.value(column)} in ({values}), false)" if values else "false"
            failing = f"({self.present(column)} and not {inside})"
        elif expectation == "ExpectColumnValuesToBeBetween":
            failing = self._outside(kwargs)
        elif expectation == "ExpectColumnPairValuesAToBeGreaterThanB":
            a, b = kwargs["column_A"], kwargs["column_B"]
            operator = ">=" if kwargs.get("or_equal") else ">"
            failing = (
                f"({self.present(a)} and {self.present(b)} "
                f"and not coalesce({self.value(a)} {operator} {self.value(b)}, false))"
            )
        else:
            raise ValueError(f"{rule.name}: {expectation} is not a row-wise rule")
        # A predicate SQL cannot decide (null) keeps the row: GX decides.
        return f"coalesce({failing}, true)"

    def _outside(self, kwargs: Mapping[str, Any]) -> str:
        column = kwargs["column"]
        bounds = []
        if "min_value" in kwargs:
            operator = ">" if kwargs.get("strict_min") else ">="
            bounds.append(f"{self.value(column)} {operator} {literal(kwargs['min_value'])}")
        if "max_value" in kwargs:
            operator = "<" if kwargs.get("strict_max") else "<="
            bounds.append(f"{self.value(column)} {operator} {literal(kwargs['max_value'])}")
        within = " and ".join(bounds) or "true"
        return f"({self.present(column)} and not coalesce({within}, false))"

    def duplicates(self, rule: Rule, frame: str, scope: str) -> str:
        """Every row of `frame` whose key also appears on another row, for keys found in `scope`
        (a relation holding the rows under validation: the frame itself or some landing dates).

        Rows outside the scope are included: GX must see both rows of a duplicate pair, and a
        new landing date may repeat a key delivered on an earlier one.
        """
        columns = unique_columns(rule)
        if len(columns) == 1:
            # GX skips missing values; pandas compares the value it receives.
            key = self.value(columns[0])
            counted = self.present(columns[0])
        else:
            # pandas' duplicated() treats missing values as equal, and so does hash(); a hash
            # collision only adds a candidate GX then clears. Rows missing every column are
            # ignored by GX (ignore_row_if="all_values_are_missing").
            key = f"hash({', '.join(self.value(c) for c in columns)})"
            counted = "not (" + " and ".join(self.missing(c) for c in columns) + ")"
        in_scope = "" if scope == frame else f" and {key} in (select {key} from {scope})"
        return (
            f"select * from {frame} where {counted} and {key} in ("
            f"select {key} from {frame} where {counted}{in_scope} "
            "group by all having count(*) > 1)"
        )
