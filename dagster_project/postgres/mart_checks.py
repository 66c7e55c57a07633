"""The marts' quality suites on PostgreSQL: the rules the pipeline runs on DuckDB (quality/suites/),
on the schemas a build wrote, before they are published.

On DuckDB a frame whose rules translate to SQL is pushed down (quality/engine/pushdown.py, written
in DuckDB's SQL and types) and GX sees only the possible violations. Here every frame is fetched
whole and validated by GX's pandas datasource, as DuckDB's untranslated frames are: the marts are
small next to raw (the raw suites stay with extraction, on DuckDB). The frame is typed as DuckDB
hands it to pandas (numerics as float64, dates and times as datetime64), so a rule reaches the
same verdict on either engine.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd

from dagster_project.metric_config import metric_vars
from dagster_project.postgres.publish import BUILT_SCHEMAS
from dagster_project.postgres.settings import PostgresSettings, connect
from dagster_project.quality.engine.gx_runner import (
    RuleOutcome,
    errored_outcome,
    validate_frame,
)
from dagster_project.quality.engine.suite import Suite
from dagster_project.quality.suites import mart_suites

_SCHEMA_PREFIX = re.compile(rf"\b({'|'.join(BUILT_SCHEMAS)})\.(?=[a-z_])")


def in_schemas(sql: str, schema_suffix: str) -> str:
    """A frame's SQL reading `<schema><suffix>`: `marts.x` -> `marts__build.x`."""
    return _SCHEMA_PREFIX.sub(rf"\1{schema_suffix}.", sql) if schema_suffix else sql


def _as_duckdb_types(column: pd.Series) -> pd.Series:
    present = column.dropna()
    if present.empty:
        return column
    first = present.iloc[0]
    if isinstance(first, Decimal):
        return column.astype("float64")
    if isinstance(first, datetime | date):
        return pd.to_datetime(column)
    return column


def fetch_frame(cursor: Any, sql: str) -> pd.DataFrame:
    """A frame's rows as a DataFrame typed as DuckDB's `.df()` types them."""
    cursor.execute(sql)
    columns = [description[0] for description in cursor.description]
    data = pd.DataFrame(cursor.fetchall(), columns=columns, dtype=object)
    return data.apply(_as_duckdb_types).infer_objects()


def run_suite_on_postgres(cursor: Any, suite: Suite, schema_suffix: str = "") -> list[RuleOutcome]:
    """Validate each frame of the suite; a frame whose query fails fails its rules (as on DuckDB),
    and the next frame reads on (a savepoint undoes the failed statement only)."""
    import psycopg2

    outcomes: list[RuleOutcome] = []
    for frame in suite.frames:
        placed = replace(frame, sql=in_schemas(frame.sql, schema_suffix))
        cursor.execute("savepoint frame")
        try:
            data = fetch_frame(cursor, placed.sql)
        except psycopg2.Error as error:
            cursor.execute("rollback to savepoint frame")
            message = f"frame query failed: {str(error).strip()}"
            outcomes += [errored_outcome(rule, message) for rule in frame.rules]
            continue
        outcomes += validate_frame(suite.name, placed, data)
    return outcomes


def run_mart_suites(
    settings: PostgresSettings,
    schema_suffix: str = "",
    config: Mapping[str, Any] | None = None,
) -> dict[str, list[RuleOutcome]]:
    """Every mart suite's outcomes, by suite, on `<schema><suffix>` of the server."""
    suites = mart_suites(metric_vars() if config is None else config)
    connection = connect(settings)
    try:
        with connection, connection.cursor() as cursor:
            return {
                suite.name: run_suite_on_postgres(cursor, suite, schema_suffix) for suite in suites
            }
    finally:
        connection.close()


def blocking_failures(outcomes: Mapping[str, Sequence[RuleOutcome]]) -> list[str]:
    """`suite.rule: what failed` for every blocking rule that did not pass: these stop publish."""
    return [
        f"{suite}.{outcome.rule}: "
        + (outcome.error or f"{outcome.failing_rows} failing rows, observed {outcome.observed}")
        for suite, found in outcomes.items()
        for outcome in found
        if outcome.blocking and not outcome.success
    ]
