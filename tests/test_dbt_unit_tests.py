"""Every dbt unit test of the project, once: runs leave them out of `dbt build`
(transformation/cli_args.py), so this is where they run.

dbt reads the column types of a unit test's inputs from the warehouse, so they run against a
copy of the session's build warehouse, which holds every model.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from dagster_project.paths import DBT_PROJECT_DIR
from dagster_project.transformation.project import DBT_EXECUTABLE


def test_every_dbt_unit_test_passes(session_build_copy: Path, dbt_manifest: Path) -> None:
    manifest = json.loads(dbt_manifest.read_text())
    unit_tests = set(manifest["unit_tests"])
    target = session_build_copy / "dbt_target"
    command = [
        DBT_EXECUTABLE,
        "test",
        "--select",
        "test_type:unit",
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(target),
        "--log-path",
        str(session_build_copy / "dbt_logs"),
    ]
    env = {**os.environ, "REVOPS_DUCKDB_PATH": str(session_build_copy / "build" / "revops.duckdb")}
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)

    results = json.loads((target / "run_results.json").read_text())["results"]
    failed = [r["unique_id"] for r in results if r["status"] != "pass"]
    assert result.returncode == 0 and failed == [], (failed, result.stdout[-4000:])
    assert {r["unique_id"] for r in results} == unit_tests
    assert len(unit_tests) >= 30
