"""The dbt project, declared once."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from dagster_project.paths import DBT_PROJECT_DIR

DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)

# The dbt beside this interpreter, so an unactivated venv (make, cron, CI) still finds it.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))


def dbt_run_target() -> Path:
    """Where `dbt build` of a run writes its artifacts: `<target>/run`, one folder for every run
    (runs write one at a time), where dagster-dbt would make a new folder of tens of MB per run.
    `DBT_TARGET_PATH` moves the target folder, as it does for dbt itself."""
    return Path(os.environ.get("DBT_TARGET_PATH", DBT_PROJECT_DIR / "target")).resolve() / "run"


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=DBT_EXECUTABLE)


def prepare_manifest() -> Path:
    """Write target/manifest.json with `dbt parse` (in process: no PATH lookup, no subprocess).

    Definitions read the manifest at import; `make` and the tests call this once beforehand,
    never at import time, so loading definitions stays cheap and side-effect free.
    """
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke(
        ["parse", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    )
    if not result.success:
        raise RuntimeError(f"dbt parse failed: {result.exception}")
    return DBT_PROJECT.manifest_path
