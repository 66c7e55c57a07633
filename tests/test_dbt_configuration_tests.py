"""Configuration sanity is dbt's: weights that do not sum to one fail the build before any score
is read, whatever the data (the singular tests in dbt/tests/ run on the configuration alone)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from dagster_project.metric_config import metric_vars
from dagster_project.paths import DBT_PROJECT_DIR
from dagster_project.transformation.project import DBT_EXECUTABLE

pytestmark = pytest.mark.e2e


def test_health_weights_that_do_not_sum_to_one_fail_naming_the_sum(tmp_path: Path) -> None:
    weights = {**metric_vars()["health_weights"], "depth": 0.3}
    command = [
        DBT_EXECUTABLE,
        "test",
        "--select",
        "assert_health_weights_sum_to_one",
        "--vars",
        json.dumps({"health_weights": weights}),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(tmp_path / "target"),
        "--log-path",
        str(tmp_path / "logs"),
    ]
    env = {**os.environ, "REVOPS_DUCKDB_PATH": str(tmp_path / "revops.duckdb")}
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)

    assert result.returncode == 1, result.stdout[-3000:]
    [failure] = [
        r
        for r in json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
        if r["status"] == "fail"
    ]
    assert failure["unique_id"].endswith("assert_health_weights_sum_to_one")
    assert failure["failures"] == 1
