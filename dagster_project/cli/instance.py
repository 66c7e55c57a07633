"""The Dagster instance a command-line run records into: the one `make dev` shows.

`make` exports `DAGSTER_HOME=<repo>/.dagster_home`; `python -m dagster_project.run_pipeline`
run directly uses the same folder when the variable is unset, so every run, whoever started it,
is in one run history with its materializations and the headline metrics' plots.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import dagster as dg

from dagster_project.paths import REPO_ROOT

DEFAULT_DAGSTER_HOME = REPO_ROOT / ".dagster_home"
# The instance settings (run queue, freshness); `make` copies them in the same way.
INSTANCE_SETTINGS = REPO_ROOT / "dagster_project" / "automation" / "dagster.yaml"


def dagster_home() -> Path:
    configured = os.environ.get("DAGSTER_HOME")
    return Path(configured).resolve() if configured else DEFAULT_DAGSTER_HOME


def run_instance(home: Path | None = None) -> dg.DagsterInstance:
    """The persistent instance in `home` (default: `dagster_home()`), with the project's
    settings copied in when the committed ones are newer than the copy."""
    home = home or dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    settings = home / "dagster.yaml"
    if not settings.exists() or settings.stat().st_mtime < INSTANCE_SETTINGS.stat().st_mtime:
        shutil.copyfile(INSTANCE_SETTINGS, settings)
    return dg.DagsterInstance.from_config(str(home))
