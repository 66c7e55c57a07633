"""The run history's event log keeps its SQLite files open (cli/event_log.py): a run opens its own
file once and finds the index open, where Dagster's own storage opened them for every read and
write, and what it writes is Dagster's history as Dagster's own storage reads it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from dagster._core.storage.event_log import SqliteEventLogStorage
from sqlalchemy import event
from sqlalchemy.engine import Engine

from dagster_project.cli.event_log import OPEN_FILES, PooledSqliteEventLogStorage
from dagster_project.cli.instance import run_instance


@dg.asset
def accounts() -> int:
    return 3


@dg.asset(deps=[accounts])
def revenue() -> None:
    pass


@dg.asset_check(asset=revenue, blocking=True)
def revenue_balances() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, description="2 accounts off by 1 cent")


@pytest.fixture
def opened_files() -> Iterator[list[str]]:
    """The file of every SQLite connection the process opens meanwhile."""
    opened: list[str] = []

    def record(connection: Any, _record: Any) -> None:
        if isinstance(connection, sqlite3.Connection):
            opened.append(connection.execute("pragma database_list").fetchone()[2])

    event.listen(Engine, "connect", record)
    yield opened
    event.remove(Engine, "connect", record)


def materialize(instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [accounts, revenue, revenue_balances], instance=instance, raise_on_error=False
    )


def test_a_run_opens_its_event_log_file_once_and_dagster_reads_what_it_wrote(
    tmp_path: Path, opened_files: list[str]
) -> None:
    home = tmp_path / "home"
    instance = run_instance(home)
    assert isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
    materialize(instance)  # opens the index: it stays open
    opened_files.clear()

    result = materialize(instance)

    event_log = home.resolve() / "history" / "runs"
    event_log_files = [Path(file).name for file in opened_files if Path(file).parent == event_log]
    # Twice: Dagster creates the new file's tables, and reads their names on a second connection
    # meanwhile. Dagster's own storage opened the files 56 times for this run.
    assert event_log_files == [f"{result.run_id}.db"] * 2

    # Dagster's own storage on the same files: the run's events, the latest materialization, and
    # the failed check a later run's gate would find.
    dagster_storage = SqliteEventLogStorage(str(event_log))
    written = instance.all_logs(result.run_id)
    assert len(dagster_storage.get_logs_for_run(result.run_id)) == len(written) > 10
    materialization = dagster_storage.get_latest_materialization_events([dg.AssetKey("revenue")])
    assert materialization[dg.AssetKey("revenue")].run_id == result.run_id
    check = dg.AssetCheckKey(dg.AssetKey("revenue"), "revenue_balances")
    execution = dagster_storage.get_asset_check_execution_history(check, limit=1)[0]
    assert execution.run_id == result.run_id
    assert execution.status.value == "FAILED"


def test_the_least_recently_used_files_beyond_the_limit_are_closed(tmp_path: Path) -> None:
    storage = PooledSqliteEventLogStorage(str(tmp_path / "runs"))
    runs = [f"run-{number}" for number in range(OPEN_FILES + 2)]
    for run in ["index", *runs]:
        storage._engine(run)
    storage._engine("index")  # used again: now the most recent
    assert list(storage._engines) == [*runs[-(OPEN_FILES - 1) :], "index"]
    storage.dispose()
    assert not storage._engines
