"""The dbt project, declared once."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dagster_dbt import DbtCliResource, DbtProject

from dagster_project.metric_config import dbt_crm_vars
from dagster_project.paths import DBT_PROJECT_DIR

DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)

# The dbt beside this interpreter, so an unactivated venv (make, cron, CI) still finds it.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))


def dbt_command_line(*args: str, target: Path) -> list[str]:
    """A dbt command on this project, writing its artifacts and log in `target`."""
    directories = ("--profiles-dir", str(DBT_PROJECT_DIR), "--project-dir", str(DBT_PROJECT_DIR))
    return [
        DBT_EXECUTABLE,
        *args,
        *directories,
        "--target-path",
        str(target),
        "--log-path",
        str(target),
    ]


def dbt_run_target() -> Path:
    """Where `dbt build` of a run writes its artifacts: `<target>/run`, one folder for every run
    (runs write one at a time), where dagster-dbt would make a new folder of tens of MB per run.
    `DBT_TARGET_PATH` moves the target folder, as it does for dbt itself."""
    return Path(os.environ.get("DBT_TARGET_PATH", DBT_PROJECT_DIR / "target")).resolve() / "run"


def dbt_run_env(database: str, as_of_date: str, target: Path) -> dict[str, str]:
    """The environment a `dbt build` of `database` as of `as_of_date` needs.

    dbt keeps its parsed project between invocations only while the profile's rendered values
    and the `--vars` stay the same; otherwise it parses every file again (~10 s). So the date
    goes in an environment variable read only at execution (dbt_project.yml: `as_of_date`), and
    dbt opens the warehouse through `<target>/warehouse`, a link to the file's folder that each
    run points at its own: one path for every warehouse (side builds, tests, the bench). The file
    name is kept, since dbt-duckdb names the catalog after it.
    """
    database_path = Path(database).resolve()
    link = target / "warehouse"
    target.mkdir(parents=True, exist_ok=True)
    staged = target / f".warehouse-{os.getpid()}"
    staged.unlink(missing_ok=True)
    staged.symlink_to(database_path.parent, target_is_directory=True)
    staged.replace(link)  # rename(2) swaps the link itself, in one step
    return {
        "REVOPS_DUCKDB_PATH": str(link / database_path.name),
        "REVOPS_AS_OF_DATE": as_of_date,
        # A pipeline run builds the DuckDB file its checks and publish read, whatever the shell
        # says; PostgreSQL builds go through dagster_project/postgres/build.py.
        "REVOPS_TARGET": "duckdb",
    }


class RunDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt resource, without the in-process dbt adapter it opens before each dbt
    command: only its row-count and column-metadata fetching read it, which runs do not use, and
    it cost 1 to 2.5 CPU-seconds a run (the profile and project loaded, the adapter imported)."""

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> Any:
        # dagster-dbt's own hook (private: should it be renamed, the adapter is simply opened
        # again, as before). None is what dagster-dbt keeps when the adapter fails to open.
        return None


def dbt_resource() -> DbtCliResource:
    return RunDbtCliResource(project_dir=DBT_PROJECT, dbt_executable=DBT_EXECUTABLE)


def prepare_manifest() -> Path:
    """Write target/manifest.json with `dbt parse` (in process: no PATH lookup, no subprocess).

    Definitions read the manifest at import; `make` and the tests call this once beforehand,
    never at import time, so loading definitions stays cheap and side-effect free.
    """
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke(
        [
            "parse",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            *dbt_crm_vars(),
        ]
    )
    if not result.success:
        raise RuntimeError(f"dbt parse failed: {result.exception}")
    return DBT_PROJECT.manifest_path
