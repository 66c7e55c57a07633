"""One writer for every run: a file lock next to the build warehouse, saying who holds it.

DuckDB allows one writer process per file. The run queue (automation/dagster.yaml) orders the
runs the Dagster daemon launches, but not a run started from the command line (`make run`, a
cron job) next to them: both would open the build file and the second would fail half-way with
"Could not set lock on file". So every run takes this lock for its whole length: the warehouse
resource takes it when a run starts (resources.py), and `run_pipeline` takes it before it does
anything else, even before it creates the Dagster instance. A run that finds it held waits,
saying which run holds the warehouse and since when, up to a timeout, then fails in one line.

The lock is the operating system's (flock): it dies with its process, so a crashed run never
leaves a lock behind. Who holds it is written beside it (`<build file>.writer.json`); that file
is only information.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

LOCK_TIMEOUT_ENV = "REVOPS_WRITER_LOCK_TIMEOUT"
# Long enough for a daily run at the largest bench scale to finish before the next one gives up.
DEFAULT_LOCK_TIMEOUT_S = 3600.0

# The locks this process holds, by lock file: a run of `run_pipeline` initialises the warehouse
# resource in the same process, which takes the lock its caller already holds.
_HELD: dict[Path, FileLock] = {}


class WarehouseBusy(Exception):
    """Another run held the warehouse for longer than this run would wait."""


def lock_timeout() -> float:
    """Seconds a run waits for the warehouse: REVOPS_WRITER_LOCK_TIMEOUT, else an hour."""
    return float(os.environ.get(LOCK_TIMEOUT_ENV) or DEFAULT_LOCK_TIMEOUT_S)


def _paths(database: Path) -> tuple[Path, Path]:
    return (
        database.with_name(database.name + ".writer.lock"),
        database.with_name(database.name + ".writer.json"),
    )


def holder(database: Path) -> str:
    """Who holds the warehouse, as the holder wrote it: run, process and start time."""
    try:
        data = json.loads(_paths(database)[1].read_text(encoding="utf-8"))
        return f"run {data['run_id']} (process {data['pid']}) since {data['started_at']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "another run (it has not said which yet)"


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def writer_lock(
    database: Path,
    run_id: str,
    timeout: float | None = None,
    say: Callable[[str], None] = _to_stderr,
) -> Iterator[None]:
    """Hold the warehouse `database` for run `run_id`; wait up to `timeout` seconds (default:
    lock_timeout()) for the run holding it, telling `say` who that is; else WarehouseBusy."""
    lock_path, holder_path = _paths(database)
    if lock_path in _HELD:
        yield
        return
    timeout = lock_timeout() if timeout is None else timeout
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    # Not thread-local: Dagster may initialise the resource on another thread than the caller.
    lock = FileLock(lock_path, thread_local=False)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        say(
            f"waiting for the warehouse {database}: held by {holder(database)}; "
            f"waiting up to {timeout:g} s ({LOCK_TIMEOUT_ENV})"
        )
        try:
            lock.acquire(timeout=timeout)
        except Timeout:
            raise WarehouseBusy(
                f"the warehouse {database} is held by {holder(database)}; gave up after "
                f"{timeout:g} s (wait longer with --lock-timeout or {LOCK_TIMEOUT_ENV}); "
                "nothing was written"
            ) from None
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    holder_path.write_text(
        json.dumps({"run_id": run_id, "pid": os.getpid(), "started_at": started_at}),
        encoding="utf-8",
    )
    _HELD[lock_path] = lock
    try:
        yield
    finally:
        del _HELD[lock_path]
        holder_path.unlink(missing_ok=True)
        lock.release()
