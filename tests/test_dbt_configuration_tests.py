"""Configuration sanity is dbt's: weights that do not sum to one fail the build before any score
is read, whatever the data (the singular tests in dbt/tests/ run on the configuration alone)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dagster_project.metric_config import default_as_of_date, metric_vars
from tests.dbt_runs import dbt_command

pytestmark = pytest.mark.e2e


def test_health_weights_that_do_not_sum_to_one_fail_naming_the_sum(tmp_path: Path) -> None:
    weights = {**metric_vars()["health_weights"], "depth": 0.3}
    result = dbt_command(
        tmp_path / "revops.duckdb",
        default_as_of_date(),
        "test",
        "--select",
        "assert_health_weights_sum_to_one",
        "--vars",
        json.dumps({"health_weights": weights}),
        target=tmp_path / "target",
    )

    assert result.returncode == 1, result.stdout[-3000:]
    [failure] = [
        r
        for r in json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
        if r["status"] == "fail"
    ]
    assert failure["unique_id"].endswith("assert_health_weights_sum_to_one")
    assert failure["failures"] == 1
