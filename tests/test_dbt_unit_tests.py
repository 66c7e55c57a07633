"""Every dbt unit test of the project, once: runs leave them out of `dbt build`
(transformation/cli_args.py), so this is where they run.

dbt reads the column types of a unit test's inputs from the warehouse, so they run against a
copy of the session's build warehouse, which holds every model.
"""

from __future__ import annotations

import json
from pathlib import Path

from dagster_project.metric_config import default_as_of_date
from dagster_project.transformation.project import dbt_run_target
from tests.dbt_runs import dbt_command


def test_every_dbt_unit_test_passes(session_build_copy: Path, dbt_manifest: Path) -> None:
    manifest = json.loads(dbt_manifest.read_text())
    unit_tests = set(manifest["unit_tests"])
    database = session_build_copy / "build" / "revops.duckdb"
    result = dbt_command(database, default_as_of_date(), "test", "--select", "test_type:unit")

    # The project's on-run-start hook (dbt/macros/cross_db/try_cast.sql) runs with every command.
    results = [
        r
        for r in json.loads((dbt_run_target() / "run_results.json").read_text())["results"]
        if not r["unique_id"].startswith("operation.")
    ]
    failed = [r["unique_id"] for r in results if r["status"] != "pass"]
    assert result.returncode == 0 and failed == [], (failed, result.stdout[-4000:])
    assert {r["unique_id"] for r in results} == unit_tests
    assert len(unit_tests) >= 30
