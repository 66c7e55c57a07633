"""The published marts of two engines, read into comparable rows, and what a build of the dbt
project on the other engine (PostgreSQL, Spark) recorded.

Values are normalised so that equal numbers compare equal whatever engine typed them: decimals
(money, rates) as exact Decimals without trailing zeros, doubles within a tolerance, JSON as
parsed documents. Each mart gives a checksum of its sorted normalised rows, where doubles count
to DOUBLE_DIGITS significant digits.
"""

from __future__ import annotations

import hashlib
import json
import math
import resource
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

# Doubles: the engines' floating point differs in the last bits (sums in another order, a median
# interpolated differently); 12 significant digits is far finer than any published ratio needs.
DOUBLE_RELATIVE_TOLERANCE = 1e-12
DOUBLE_DIGITS = 9


@dataclass(frozen=True)
class EngineBuild:
    """One dbt build on the other engine: dbt's run_results.json, the build's wall seconds and
    the CPU seconds of the processes it started (dbt's, the engine's)."""

    run_results: dict[str, Any]
    wall_s: float
    cpu_s: float

    def statuses(self) -> dict[str, str]:
        """dbt's status of every node it ran, by unique id."""
        return {result["unique_id"]: result["status"] for result in self.run_results["results"]}

    def failed(self) -> dict[str, str]:
        """The nodes that neither succeeded nor passed (exposures are no-ops: nothing to build)."""
        return {
            key: status
            for key, status in self.statuses().items()
            if status not in ("success", "pass") and not key.startswith("exposure.")
        }


@dataclass
class ChildrenCost:
    """What a block cost: its wall seconds and the CPU seconds of the child processes that
    ended in it (dbt's, the engine's). Read after the block."""

    wall_s: float = 0.0
    cpu_s: float = 0.0


@contextmanager
def children_cost() -> Iterator[ChildrenCost]:
    cost = ChildrenCost()
    before, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    yield cost
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cost.wall_s = time.perf_counter() - started
    cost.cpu_s = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def published_as_of(warehouse: Path) -> str:
    """The as-of date of the published DuckDB warehouse: the other engine builds as of it, so
    that its marts can equal DuckDB's."""
    with duckdb.connect(str(warehouse), read_only=True) as published:
        version = published.execute("select as_of_date from meta.warehouse_version").fetchone()
    return str(version[0])


def project_models(manifest: Path) -> set[str]:
    """The unique ids of the project's models, from dbt's parsed manifest."""
    nodes = json.loads(manifest.read_text())["nodes"]
    return {key for key, node in nodes.items() if node["resource_type"] == "model"}


def table_columns(duck: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    """A DuckDB table's columns, in order."""
    return [
        row[0]
        for row in duck.execute(
            "select column_name from duckdb_columns() where schema_name = ? and table_name = ? "
            "order by column_index",
            [schema, table],
        ).fetchall()
    ]


def duckdb_marts(duck: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """The marts of a DuckDB warehouse, by name, each with its columns in order."""
    marts = duck.execute(
        "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
    ).fetchall()
    return {mart: table_columns(duck, "marts", mart) for (mart,) in marts}


def normalise(value: Any) -> Any:
    if isinstance(value, Decimal):
        return value.normalize() if value else Decimal(0)
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.dumps(json.loads(value), sort_keys=True)
        except ValueError:
            return value
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return value


def _digest_value(value: Any) -> str:
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.{DOUBLE_DIGITS}g}"
    if isinstance(value, date | datetime):
        return value.isoformat()
    return repr(value)


def comparable(rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """The rows normalised and sorted (by their digest: doubles rounded, so both engines sort
    rows that differ only in the last bits the same way)."""
    normalised = [tuple(normalise(value) for value in row) for row in rows]
    return sorted(normalised, key=lambda row: [_digest_value(value) for value in row])


def checksum(rows: list[tuple[Any, ...]]) -> str:
    text = "\n".join("|".join(_digest_value(value) for value in row) for row in rows)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def same_value(left: Any, right: Any) -> bool:
    if isinstance(left, float) or isinstance(right, float):
        if left is None or right is None:
            return left is right
        if math.isinf(left) or math.isinf(right):
            return left == right
        return math.isclose(left, right, rel_tol=DOUBLE_RELATIVE_TOLERANCE, abs_tol=1e-12)
    return left == right


def differences(
    columns: Sequence[str], left: list[tuple[Any, ...]], right: list[tuple[Any, ...]]
) -> list[str]:
    """Where two marts differ: the row count, or the first rows with a differing column."""
    if len(left) != len(right):
        return [f"{len(left)} rows against {len(right)}"]
    found = []
    for left_row, right_row in zip(left, right, strict=True):
        for column, a, b in zip(columns, left_row, right_row, strict=True):
            if not same_value(a, b):
                found.append(f"{column}: {a!r} against {b!r} (row {left_row[:3]})")
        if len(found) >= 5:
            break
    return found
