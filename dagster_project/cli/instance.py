"""The Dagster instance a command-line run records into: the one `make dev` shows.

`make` exports `DAGSTER_HOME=<repo>/.dagster_home`; `python -m dagster_project.run_pipeline`
run directly uses the same folder when the variable is unset, so every run, whoever started it,
is in one run history with its materializations and the headline metrics' plots.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import dagster as dg
import yaml
from sqlalchemy import event
from sqlalchemy.engine import Engine

from dagster_project.paths import REPO_ROOT

DEFAULT_DAGSTER_HOME = REPO_ROOT / ".dagster_home"
# The instance settings (run queue, freshness), which `instance_settings` completes for a home.
INSTANCE_SETTINGS = REPO_ROOT / "dagster_project" / "automation" / "dagster.yaml"

# SQLite's `synchronous` for the run history's databases (off, normal or full).
RUN_HISTORY_SYNC = "REVOPS_RUN_HISTORY_SYNC"
SYNC_MODES = ("off", "normal", "full")


def dagster_home() -> Path:
    configured = os.environ.get("DAGSTER_HOME")
    return Path(configured).resolve() if configured else DEFAULT_DAGSTER_HOME


def instance_settings(home: Path) -> str:
    """The committed settings, and the event log storage that keeps its SQLite connections open
    (cli/event_log.py), in Dagster's own folder for it under `home`. Dagster's settings name no
    folder relative to the home, so each home's copy names its own."""
    storage = {
        "event_log_storage": {
            "module": "dagster_project.cli.event_log",
            "class": "PooledSqliteEventLogStorage",
            "config": {"base_dir": str(home.resolve() / "history" / "runs")},
        }
    }
    committed = INSTANCE_SETTINGS.read_text(encoding="utf-8")
    return f"{committed}\n# Written for this home by cli/instance.py.\n{yaml.safe_dump(storage)}"


def write_instance_settings(home: Path) -> None:
    """`home`'s dagster.yaml, written again only when it differs (the daemon may be reading it)."""
    home.mkdir(parents=True, exist_ok=True)
    settings, wanted = home / "dagster.yaml", instance_settings(home)
    if not settings.exists() or settings.read_text(encoding="utf-8") != wanted:
        settings.write_text(wanted, encoding="utf-8")


def run_instance(home: Path | None = None) -> dg.DagsterInstance:
    """The persistent instance in `home` (default: `dagster_home()`), with the project's
    settings (`instance_settings`)."""
    home = home or dagster_home()
    write_instance_settings(home)
    history_sync(home, os.environ.get(RUN_HISTORY_SYNC, "off") or "off")
    return dg.DagsterInstance.from_config(str(home))


_sync_by_home: dict[str, str] = {}


def history_sync(home: Path, mode: str) -> None:
    """Sets `synchronous` on every SQLite connection this process opens to the run history in
    `home`.

    Dagster's SQLite storage opened and closed a connection for each write (the event log now
    keeps its files open: cli/event_log.py; the runs' table still does not), and with SQLite's
    default every commit and close syncs the file to disk: a full run at size 60 made 17,700
    connections, whose commits and closes waited 214 s of its 495 s on the shared disk. `off`
    leaves the syncing to the operating system: a crash of the process loses nothing, a power
    cut may lose or damage the run history, never the warehouse (DuckDB and the atomic publish
    do their own syncing) nor the landing files it is rebuilt from.
    """
    if mode not in SYNC_MODES:
        raise SystemExit(f"{RUN_HISTORY_SYNC}={mode!r}: expected one of {', '.join(SYNC_MODES)}")
    if not _sync_by_home:
        event.listen(Engine, "connect", _set_history_sync)
    _sync_by_home[str(home.resolve())] = mode


def _set_history_sync(connection: Any, _record: Any) -> None:
    if not isinstance(connection, sqlite3.Connection):
        return
    # (seq, name, file) of the main database: "" for an in-memory one (an ephemeral instance).
    path = connection.execute("pragma database_list").fetchone()[2]
    for home, mode in _sync_by_home.items():
        if path.startswith(home + os.sep):
            connection.execute(f"pragma synchronous={mode}")
            return


if __name__ == "__main__":
    # `make dev`: the settings of DAGSTER_HOME, as a run writes them; touched, so make sees them
    # newer than the committed ones even when they did not change.
    write_instance_settings(dagster_home())
    (dagster_home() / "dagster.yaml").touch()
