"""Run a suite with great-expectations on frames that DuckDB computes and hands over as pandas.

Why pandas frames and not GX's SQL datasource on the warehouse file:
- GX's SQL execution engine closes its connection before fetching the results of every dialect
  missing from its private `_PERSISTED_CONNECTION_DIALECTS`; DuckDB is missing, so every
  expectation "fails" with `list index out of range` and success=False: a gate that always fails
  for the wrong reason. The fix is to patch a private tuple, which breaks silently on upgrade,
  and it needs duckdb-engine, which we do not ship.
- DuckDB does the work it is good at: each frame's SQL selects only the columns its rules read,
  extracts JSON fields, and computes aggregates (bridge residuals, outcome counts) in the
  database, so pandas never sees a full raw table. GX then evaluates expectations on a frame
  whose shape is ours, with results (unexpected counts, offending keys) we can assert on.
- The frame is fetched through the run's own DuckDB connection: no second process or engine
  touches the warehouse file while the run holds it.

GX runs in an ephemeral context (nothing written to disk), with analytics off and no network:
validation needs neither. Result payloads are version-specific, so the GX series is asserted.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import duckdb

from dagster_project.quality.suites import Frame, Rule, Suite, Where

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.expectations import Expectation
    from great_expectations.expectations.row_conditions import Condition

# pyproject.toml pins great-expectations to this series; the result keys read below
# (partial_unexpected_index_list, observed_value, exception_info) are checked against it.
GX_SERIES = "1.24."
SAMPLE_SIZE = 10


@dataclass(frozen=True)
class RuleOutcome:
    """What one rule found: JSON-safe, for Dagster metadata and the HTML report."""

    rule: str
    description: str
    blocking: bool
    expectation: str
    kwargs: dict[str, Any]
    condition: str
    success: bool
    rows_checked: int | None
    failing_rows: int | None
    observed: Any
    sample_keys: list[dict[str, Any]]
    error: str | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def run_suite(con: duckdb.DuckDBPyConnection, suite: Suite) -> list[RuleOutcome]:
    """Fetch each frame of the suite and validate its rules; a frame that errors fails its rules."""
    outcomes: list[RuleOutcome] = []
    for frame in suite.frames:
        try:
            data = con.execute(frame.sql).df()
        except duckdb.Error as error:
            outcomes += [_errored(rule, f"frame query failed: {error}") for rule in frame.rules]
            continue
        outcomes += validate_frame(suite.name, frame, data)
    return outcomes


def validate_frame(suite_name: str, frame: Frame, data: pd.DataFrame) -> list[RuleOutcome]:
    gx = _great_expectations()
    context = gx.get_context(mode="ephemeral")
    _quiet(context)
    batch = (
        context.data_sources.add_pandas("warehouse")
        .add_dataframe_asset(suite_name)
        .add_batch_definition_whole_dataframe("frame")
        .get_batch(batch_parameters={"dataframe": data})
    )
    expectations = [build_expectation(rule) for rule in frame.rules]
    result = batch.validate(
        gx.ExpectationSuite(name=suite_name, expectations=expectations),
        result_format={
            "result_format": "SUMMARY",
            "partial_unexpected_count": SAMPLE_SIZE,
            # GX needs the key columns in the frame to name offending rows.
            "unexpected_index_column_names": [*frame.key],
        },
    )
    by_rule = {item.expectation_config.meta["rule"]: item for item in result.results}
    return [_outcome(rule, by_rule[rule.name].to_json_dict(), frame.key) for rule in frame.rules]


def build_expectation(rule: Rule) -> Expectation:
    """The GX expectation of a rule; its `meta.rule` ties the result back to the rule."""
    import great_expectations.expectations as gxe

    expectation_class = getattr(gxe, rule.expectation)
    condition = _condition(rule.where)
    extra = {"row_condition": condition} if condition is not None else {}
    return expectation_class(**rule.kwargs, **extra, meta={"rule": rule.name})


def _condition(where: Sequence[Where]) -> Condition | None:
    from great_expectations.expectations.row_conditions import Column

    conditions = []
    for clause in where:
        column = Column(clause.column)
        conditions.append(
            {
                "not_null": lambda c, _v: c.is_not_null(),
                "is_null": lambda c, _v: c.is_null(),
                "==": lambda c, v: c == v,
                "!=": lambda c, v: c != v,
                ">=": lambda c, v: c >= v,
                ">": lambda c, v: c > v,
                "<": lambda c, v: c < v,
                "<=": lambda c, v: c <= v,
                "in": lambda c, v: c.is_in(v),
            }[clause.op](column, clause.value)
        )
    if not conditions:
        return None
    combined = conditions[0]
    for condition in conditions[1:]:
        combined = combined & condition
    return combined


def _great_expectations() -> Any:
    # Analytics would post usage events; validation must work offline and report nothing.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    if not gx.__version__.startswith(GX_SERIES):
        raise RuntimeError(
            f"great-expectations {gx.__version__} is installed; the quality checks read result "
            f"payloads of the {GX_SERIES}x series (pyproject.toml pins it): re-verify them first"
        )
    return gx


def _quiet(context: Any) -> None:
    from great_expectations.data_context.types.base import ProgressBarsConfig

    # tqdm bars on stderr would flood Dagster's captured logs, one per expectation.
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)


def _outcome(rule: Rule, result: Mapping[str, Any], key: Sequence[str]) -> RuleOutcome:
    details = result.get("result") or {}
    error = _exception_message(result.get("exception_info") or {})
    failing_rows = details.get("unexpected_count")
    observed = details.get("observed_value")
    if observed is None and details.get("partial_unexpected_counts"):
        observed = {"unexpected_values": details["partial_unexpected_counts"]}
    if "partial_missing_list" in details:
        # Set expectations (columns present) report what is missing, not rows.
        observed = {"missing": details["partial_missing_list"]}
        failing_rows = details.get("missing_count")
    samples = [
        {column: row.get(column) for column in key}
        for row in details.get("partial_unexpected_index_list") or []
    ]
    return RuleOutcome(
        rule=rule.name,
        description=rule.description,
        blocking=rule.blocking,
        expectation=rule.expectation,
        kwargs=_json_safe(dict(rule.kwargs)),
        condition=" and ".join(clause.describe() for clause in rule.where),
        success=bool(result.get("success")) and error is None,
        rows_checked=details.get("element_count"),
        failing_rows=failing_rows,
        observed=_json_safe(observed),
        sample_keys=_json_safe(samples[:SAMPLE_SIZE]),
        error=error,
    )


def _exception_message(info: Mapping[str, Any]) -> str | None:
    # GX reports one flat record, or one record per failed metric.
    records = [info] if "raised_exception" in info else list(info.values())
    messages = [
        str(record.get("exception_message"))
        for record in records
        if isinstance(record, Mapping) and record.get("raised_exception")
    ]
    return "; ".join(messages) or None


def _errored(rule: Rule, message: str) -> RuleOutcome:
    return RuleOutcome(
        rule=rule.name,
        description=rule.description,
        blocking=rule.blocking,
        expectation=rule.expectation,
        kwargs=_json_safe(dict(rule.kwargs)),
        condition=" and ".join(clause.describe() for clause in rule.where),
        success=False,
        rows_checked=None,
        failing_rows=None,
        observed=None,
        sample_keys=[],
        error=message,
    )


def _json_safe(value: Any) -> Any:
    """numpy scalars, timestamps, NA and NaN as plain JSON values (missing ones as null)."""
    import numpy as np
    import pandas as pd

    def plain(item: Any) -> Any:
        if item is pd.NA or item is pd.NaT:
            return None
        if isinstance(item, np.datetime64) or hasattr(item, "isoformat"):
            return str(item)
        if isinstance(item, np.generic):
            return item.item()
        return str(item)

    return json.loads(json.dumps(value, default=plain), parse_constant=lambda _name: None)
