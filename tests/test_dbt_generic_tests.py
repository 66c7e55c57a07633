"""The project's own generic data tests, run by dbt on a table written by hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dagster_project.metric_config import default_as_of_date
from dagster_project.transformation.project import dbt_run_target
from tests.dbt_runs import dbt_command, warehouse_file

pytestmark = pytest.mark.e2e

# The seed's not_null_columns lists segment, min_employees and is_bmanter_target; max_employees
# is left out (the largest segment has no upper bound).
SEGMENTS_NOT_NULL = "sales_segments,test_name:not_null_columns"
Segment = tuple[str | None, int | None, int | None, bool | None]


def _test_segments(work: Path, rows: list[Segment]) -> tuple[dict[str, Any], list[tuple[str, int]]]:
    """dbt's result of the seed's not_null_columns test on `rows`, and the rows its SQL returns."""
    database = warehouse_file(work, "segments")
    with duckdb.connect(str(database)) as con:
        con.execute("create schema config")
        con.execute(
            "create table config.sales_segments (segment varchar, min_employees integer, "
            "max_employees integer, is_bmanter_target boolean)"
        )
        con.executemany("insert into config.sales_segments values (?, ?, ?, ?)", rows)
    dbt_command(database, default_as_of_date(), "test", "--select", SEGMENTS_NOT_NULL)
    results = json.loads((dbt_run_target() / "run_results.json").read_text(encoding="utf-8"))
    [outcome] = [r for r in results["results"] if r["unique_id"].startswith("test.")]
    with duckdb.connect(str(database), read_only=True) as con:
        failing = con.execute(outcome["compiled_code"]).fetchall()
    return outcome, sorted(failing)


def test_not_null_columns_names_each_column_with_nulls_and_counts_them(tmp_path: Path) -> None:
    rows: list[Segment] = [
        ("smb", 0, 50, False),
        (None, 50, 500, True),
        (None, None, None, None),
    ]

    outcome, failing = _test_segments(tmp_path, rows)

    # segment is null twice, min_employees and is_bmanter_target once; max_employees not listed.
    assert failing == [("is_bmanter_target", 1), ("min_employees", 1), ("segment", 2)]
    assert (outcome["status"], outcome["failures"]) == ("fail", 4)


def test_not_null_columns_passes_when_only_unlisted_columns_hold_nulls(tmp_path: Path) -> None:
    rows: list[Segment] = [("smb", 0, 50, False), ("enterprise", 500, None, False)]

    outcome, failing = _test_segments(tmp_path, rows)

    assert failing == []
    assert (outcome["status"], outcome["failures"]) == ("pass", 0)
