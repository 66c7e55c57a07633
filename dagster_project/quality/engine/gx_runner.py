"""Run a suite with great-expectations on frames that DuckDB computes and hands over as pandas.

Why pandas frames and not GX's SQL datasource on the warehouse file:
- GX's SQL execution engine closes its connection before fetching the results of every dialect
  missing from its private `_PERSISTED_CONNECTION_DIALECTS`; DuckDB is missing, so every
  expectation "fails" with `list index out of range` and success=False: a gate that always fails
  for the wrong reason. The fix is to patch a private tuple, which breaks silently on upgrade,
  and it needs duckdb-engine, which we do not ship.
- DuckDB does the work it is good at: each frame's SQL selects only the columns its rules read,
  extracts JSON fields, and computes aggregates (bridge residuals, outcome counts) in the
  database. For rules it can state in SQL (pushdown.py), it also selects the rows that may
  violate them and counts the rows each rule reads, so GX evaluates, in bounded chunks, only
  possible violations: at L, 52M raw tracks no longer reach pandas (the phase was stopped at
  16 GB). GX still decides every verdict, failing count and sample, on a frame whose shape is
  ours, with results (unexpected counts, offending keys) we can assert on.
- The frame is fetched through the run's own DuckDB connection: no second process or engine
  touches the warehouse file while the run holds it.

GX runs in an ephemeral context (nothing written to disk), with analytics off and no network:
validation needs neither. Result payloads are version-specific, so the GX series is asserted.
"""

from __future__ import annotations

import functools
import json
import math
import os
import sys
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import duckdb

from dagster_project.quality.engine import landing_scope, pushdown
from dagster_project.quality.engine.suite import Frame, Rule, Suite, Where
from dagster_project.sql_text import sql_identifier

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.expectations import Expectation
    from great_expectations.expectations.row_conditions import Condition

# pyproject.toml pins great-expectations to this series; the result keys read below
# (partial_unexpected_index_list, observed_value, exception_info) are checked against it.
GX_SERIES = "1.24."
SAMPLE_SIZE = 10
# Candidate rows handed to pandas at once: ~100 B a row over a dozen narrow columns, so a table
# failing on every row still validates in bounded memory (~100 MB of frame at a time).
CHUNK_ROWS = 1_000_000


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
    # Which rows were validated, when not the whole frame (an event table's new landing dates).
    scope: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def run_suite(
    con: duckdb.DuckDBPyConnection, suite: Suite, chunk_rows: int = CHUNK_ROWS
) -> list[RuleOutcome]:
    """Validate each frame of the suite; a frame that errors fails its rules.

    A frame whose rules all translate to SQL (pushdown.py) reaches GX as its possible
    violations only, in chunks of at most `chunk_rows` rows; the others are fetched whole.
    """
    validator = _Validator(suite.name)
    outcomes: list[RuleOutcome] = []
    for frame in suite.frames:
        try:
            if all(pushdown.supports(rule) for rule in frame.rules):
                outcomes += _validate_pushed_down(con, validator, suite.name, frame, chunk_rows)
            else:
                outcomes += validator.outcomes(frame, con.execute(frame.sql).df())
        except duckdb.Error as error:
            message = f"frame query failed: {error}"
            outcomes += [errored_outcome(rule, message) for rule in frame.rules]
    return outcomes


def validate_frame(suite_name: str, frame: Frame, data: pd.DataFrame) -> list[RuleOutcome]:
    """Validate a frame already in memory, whole."""
    return _Validator(suite_name).outcomes(frame, data)


class _Validator:
    """Validates a suite's frames through its batch definition in the process's one GX context."""

    def __init__(self, suite_name: str) -> None:
        self.suite_name = suite_name

    def results(
        self, rules: Sequence[Rule], key: Sequence[str], data: pd.DataFrame
    ) -> dict[str, dict[str, Any]]:
        """GX's result payload of each rule on `data`, by rule name."""
        gx = _great_expectations()
        batch = _batch_definition(self.suite_name).get_batch(batch_parameters={"dataframe": data})
        result = batch.validate(
            gx.ExpectationSuite(
                name=self.suite_name, expectations=[build_expectation(rule) for rule in rules]
            ),
            result_format={
                "result_format": "SUMMARY",
                "partial_unexpected_count": SAMPLE_SIZE,
                # GX needs the key columns in the frame to name offending rows.
                "unexpected_index_column_names": [*key],
            },
        )
        return {
            item.expectation_config.meta["rule"]: item.to_json_dict() for item in result.results
        }

    def outcomes(self, frame: Frame, data: pd.DataFrame) -> list[RuleOutcome]:
        by_rule = self.results(frame.rules, frame.key, data)
        return [_outcome(rule, by_rule[rule.name], frame.key) for rule in frame.rules]


def _validate_pushed_down(
    con: duckdb.DuckDBPyConnection,
    validator: _Validator,
    suite_name: str,
    frame: Frame,
    chunk_rows: int,
) -> list[RuleOutcome]:
    """GX on the rows DuckDB selects as possible violations; DuckDB counts the rows checked.

    Rules are grouped by what keeps a verdict whole: a uniqueness rule needs every row of a
    key in one chunk, so its candidates are chunked by a hash of that key; row-wise rules share
    one candidate set. For a frame of landing-dated rows (event tables), only the landing dates
    loaded since they last passed are validated (landing_scope.py).
    """
    types = {row[0]: row[1] for row in con.execute(f"describe {frame.sql}").fetchall()}
    columns = pushdown.Columns(types)
    con.execute(f"create or replace temp view gx_frame as {frame.sql}")
    pending = landing_scope.pending(con, suite_name, frame) if frame.landing_dates else None
    scope = "gx_frame"
    if pending is not None and not pending.everything:
        # Views take no parameters: the dates are ISO literals we formatted ourselves.
        dates = ", ".join(f"date '{day.isoformat()}'" for day in pending.dates)
        con.execute(
            "create or replace temp view gx_scope as select * from gx_frame "
            f"where {f'{landing_scope.DATE_COLUMN} in ({dates})' if dates else 'false'}"
        )
        scope = "gx_scope"
    try:
        counts = (f"count(*) filter (where {columns.condition(r.where)})" for r in frame.rules)
        checked = con.execute(f"select {', '.join(counts)} from {scope}").fetchone()
        rows_checked = dict(zip((rule.name for rule in frame.rules), checked or (), strict=True))
        by_rule: dict[str, dict[str, Any]] = {}
        for partition, rules in _groups(frame).items():
            if partition is None:
                predicate = " or ".join(
                    f"({columns.condition(r.where)} and {columns.failing(r)})" for r in rules
                )
                candidates = f"select * from {scope} where {predicate}"
                spread = [*frame.key]
            else:
                candidates = columns.duplicates(rules[0], "gx_frame", scope)
                spread = [*partition]
            chunks = _chunked(con, validator, rules, frame.key, candidates, spread, chunk_rows)
            by_rule |= {rule.name: _merged(chunks, rule.name) for rule in rules}
    finally:
        con.execute("drop view if exists gx_scope")
        con.execute("drop view if exists gx_frame")
    outcomes = []
    for rule in frame.rules:
        result = by_rule[rule.name]
        (result.setdefault("result", {}))["element_count"] = rows_checked[rule.name]
        outcomes.append(_outcome(rule, result, frame.key, pending.describe() if pending else ""))
    if pending is not None and not any(o.blocking and not o.success for o in outcomes):
        landing_scope.record(con, suite_name, frame, pending)
    return outcomes


def _groups(frame: Frame) -> dict[tuple[str, ...] | None, list[Rule]]:
    """Rules by the key their verdict depends on: None for row-wise rules."""
    groups: dict[tuple[str, ...] | None, list[Rule]] = {}
    for rule in frame.rules:
        partition = pushdown.unique_columns(rule) if pushdown.is_uniqueness(rule) else None
        groups.setdefault(partition, []).append(rule)
    return groups


def _chunked(
    con: duckdb.DuckDBPyConnection,
    validator: _Validator,
    rules: Sequence[Rule],
    key: Sequence[str],
    candidates: str,
    spread: Sequence[str],
    chunk_rows: int,
) -> list[dict[str, dict[str, Any]]]:
    """GX results of `rules` on the candidate rows, at most about `chunk_rows` rows at a time.

    Rows go to chunks by a hash of `spread`, so rows sharing those values share a chunk.
    """
    spread_hash = f"hash({', '.join(sql_identifier(column) for column in spread)})"
    con.execute(
        f"create or replace temp table gx_candidates as "
        f"select *, {spread_hash} as gx_chunk from ({candidates})"
    )
    try:
        (count,) = con.execute("select count(*) from gx_candidates").fetchone() or (0,)
        chunks = max(1, math.ceil(count / chunk_rows))
        results = []
        for chunk in range(chunks):
            data = con.execute(
                "select * exclude (gx_chunk) from gx_candidates where gx_chunk % ? = ?",
                [chunks, chunk],
            ).df()
            results.append(validator.results(rules, key, data))
        return results
    finally:
        con.execute("drop table if exists gx_candidates")


def _merged(chunks: Sequence[Mapping[str, Mapping[str, Any]]], rule: str) -> dict[str, Any]:
    """One rule's results over several chunks, as GX would report them on their union.

    Failing counts add up; samples and observed values are the first SAMPLE_SIZE failing
    rows, counted the way GX counts its partial list.
    """
    results = [chunk[rule] for chunk in chunks]
    if len(results) == 1:
        return dict(results[0])
    details = [result.get("result") or {} for result in results]
    merged = dict(details[0])
    counts = [detail.get("unexpected_count") for detail in details]
    merged["unexpected_count"] = None if None in counts else sum(counts)  # type: ignore[arg-type]
    for name in ("partial_unexpected_list", "partial_unexpected_index_list"):
        merged[name] = [item for detail in details for item in detail.get(name) or []][:SAMPLE_SIZE]
    if any("partial_unexpected_counts" in detail for detail in details):
        merged["partial_unexpected_counts"] = _value_counts(merged["partial_unexpected_list"])
    errors = [result.get("exception_info") or {} for result in results]
    return {
        "success": all(result.get("success") for result in results),
        "result": merged,
        "exception_info": next((info for info in errors if _exception_message(info)), errors[0]),
    }


def _value_counts(values: Sequence[Any]) -> list[dict[str, Any]]:
    """GX's partial_unexpected_counts of a partial list (expectation.py, _format_map_output)."""
    # Multicolumn values arrive as dicts, pairs as lists once GX made its results JSON.
    hashable = [
        tuple(v.values()) if isinstance(v, dict) else tuple(v) if isinstance(v, list) else v
        for v in values
    ]
    try:
        return [
            {"value": value, "count": count}
            for value, count in sorted(
                Counter(hashable).most_common(SAMPLE_SIZE), key=lambda item: (-item[1], item[0])
            )
        ]
    except TypeError:
        return [{"error": "partial_exception_counts requires a hashable type"}]


def build_expectation(rule: Rule) -> Expectation:
    """The GX expectation of a rule; its `meta.rule` ties the result back to the rule."""
    expectation_class = getattr(_great_expectations().expectations, rule.expectation)
    condition = _condition(rule.where)
    extra = {"row_condition": condition} if condition is not None else {}
    return expectation_class(**rule.kwargs, **extra, meta={"rule": rule.name})


def _condition(where: Sequence[Where]) -> Condition | None:
    row_conditions = _great_expectations().expectations.row_conditions

    conditions = []
    for clause in where:
        column = row_conditions.Column(clause.column)
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


@functools.cache
def _pandas_source() -> Any:
    """One ephemeral GX context for the process (every suite of every run in it): creating one
    per suite cost 41 contexts a run. Validating stores nothing in it."""
    context = _great_expectations().get_context(mode="ephemeral")
    _quiet(context)
    return context.data_sources.add_pandas("warehouse")


@functools.cache
def _batch_definition(suite_name: str) -> Any:
    """The suite's data frame asset, added once: GX refuses a second asset of the same name."""
    return (
        _pandas_source()
        .add_dataframe_asset(suite_name)
        .add_batch_definition_whole_dataframe("frame")
    )


@contextmanager
def _pyspark_hidden() -> Iterator[None]:
    """pyspark reads as absent while great-expectations is first imported.

    GX probes for pyspark on import, for Spark datasources the checks never use. With the Spark
    target's pyspark installed, the probe costs about 4.5 CPU-s in every process that runs
    checks, and its `pyspark.sql.connect` import exits a process whose `__main__` has no file
    (pytest-xdist's workers) when Spark Connect's dependencies are missing. A `None` in
    `sys.modules` makes the import raise ImportError, which GX reads as "not installed"; a later
    import of pyspark in the same process finds it as usual.
    """
    if "pyspark" in sys.modules:
        yield
        return
    sys.modules["pyspark"] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        del sys.modules["pyspark"]


def _great_expectations() -> Any:
    # Analytics would post usage events; validation must work offline and report nothing.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    with _pyspark_hidden():
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


def _outcome(
    rule: Rule, result: Mapping[str, Any], key: Sequence[str], scope: str = ""
) -> RuleOutcome:
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
        scope=scope,
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


def errored_outcome(rule: Rule, message: str) -> RuleOutcome:
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
