"""The dbt project, declared once."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

from dagster_dbt import DbtCliResource, DbtProject
from packaging import version

from dagster_project.metric_config import dbt_crm_vars
from dagster_project.paths import DBT_PROJECT_DIR, warehouse_paths
from dagster_project.transformation.parse_state import (
    forget_parse,
    manifest_is_current,
    parse_fingerprint,
    record_parse,
)

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


def run_database_path(database: str | Path, target: Path) -> Path:
    """The path a run's dbt opens the warehouse `database` by: `<target>/warehouse`, a link to
    the file's folder (dbt_run_env), and the file's own name."""
    return target / "warehouse" / Path(database).name


@contextmanager
def patched_environ(values: Mapping[str, str]) -> Iterator[None]:
    """`values` in os.environ for the block only: later runs of this process set their own."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


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
        "REVOPS_DUCKDB_PATH": str(run_database_path(database_path, target)),
        "REVOPS_AS_OF_DATE": as_of_date,
        # A pipeline run builds the DuckDB file its checks and publish read, whatever the shell
        # says; PostgreSQL builds go through dagster_project/postgres/build.py.
        "REVOPS_TARGET": "duckdb",
        # dbt's log file at its default (debug) level writes every SQL statement and event of
        # every node: 5.6 of a daily run's 40.6 dbt CPU-seconds at S. Warnings and errors (a
        # failing test, a model's error) still go there; each node's result line is in the
        # run's own log (dagster-dbt echoes dbt's lines), its SQL in target/run/compiled and run.
        "DBT_LOG_LEVEL_FILE": "warn",
    }


class RunDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt resource, without the two things it does before each dbt command that
    a run does not need:
    - the in-process dbt adapter: only its row-count and column-metadata fetching read it, which
      runs do not use, and it cost 1 to 2.5 CPU-seconds a run (the profile and project loaded,
      the adapter imported);
    - `dbt --version` in a subprocess, to tell dbt Core from dbt Fusion: a whole dbt start-up
      (3.4 CPU-seconds at S on the shared machine) to learn what the installed package says,
      since the executable is the dbt beside this interpreter (DBT_EXECUTABLE).
    """

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> Any:
        # dagster-dbt's own hook (private: should it be renamed, the adapter is simply opened
        # again, as before). None is what dagster-dbt keeps when the adapter fails to open.
        return None

    @cached_property
    def _cli_version(self) -> version.Version:
        # dagster-dbt's own (private, as above: renamed, `dbt --version` simply runs again).
        return version.parse(installed_version("dbt-core"))


def dbt_resource() -> DbtCliResource:
    return RunDbtCliResource(project_dir=DBT_PROJECT, dbt_executable=DBT_EXECUTABLE)


def parse_args() -> list[str]:
    """`dbt parse` of this project, with the CRM the environment chose."""
    directories = ("--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR))
    return ["parse", *directories, *dbt_crm_vars()]


def prepare_manifest() -> Path:
    """Write target/manifest.json with `dbt parse` (in process: no PATH lookup, no subprocess),
    unless the manifest there came from a parse of the same files, profile, vars and environment
    (transformation/parse_state.py).

    Definitions read the manifest at import; `make` and the tests call this once beforehand,
    never at import time, so loading definitions stays cheap and side-effect free.
    """
    args = parse_args()
    manifest = DBT_PROJECT.manifest_path
    # Parsed with the warehouse path a run gives dbt: dagster-dbt copies this parse's state into
    # a run's target folder that has none (the first run), and dbt keeps it only while the
    # rendered profile is the same; another path made that run parse every file again (8 s at
    # any scale). The fingerprint is taken in the same environment as the parse.
    run_path = run_database_path(warehouse_paths().build_db, dbt_run_target())
    with patched_environ({"REVOPS_DUCKDB_PATH": str(run_path)}):
        fingerprint = parse_fingerprint(args)
        if manifest_is_current(manifest, fingerprint):
            return manifest
        forget_parse(manifest)
        from dbt.cli.main import dbtRunner

        result = dbtRunner().invoke(args)
    if not result.success:
        raise RuntimeError(f"dbt parse failed: {result.exception}")
    record_parse(manifest, fingerprint)
    return manifest
