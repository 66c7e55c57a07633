"""One writer for every run: `run_pipeline` and the runs the daemon launches take the same lock.

Real processes, but no pipeline: a run contending for the lock stops before it starts, and a
landing error found before the run starts is one line. Each `run_pipeline` here is a subprocess
that only imports the project, finds the lock held (or the landing folder wrong) and exits.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb

from dagster_project.automation.writer_lock import WarehouseBusy, writer_lock
from dagster_project.resources import WarehouseResource
from dagster_project.run_pipeline import failure_lines, published_after_failure


def _run_pipeline(data_dir: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REVOPS_", "DAGSTER_"))}
    env |= {"REVOPS_DATA_DIR": str(data_dir), "DAGSTER_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "dagster_project.run_pipeline", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_cli_run_waits_for_the_holder_then_fails_in_one_line_having_written_nothing(
    tmp_path,
) -> None:
    data_dir, home = tmp_path / "data", tmp_path / "home"
    home.mkdir()
    build_db = data_dir / "warehouse" / "build" / "revops.duckdb"

    with writer_lock(build_db, "the-daily-run"):
        result = _run_pipeline(data_dir, home, "--lock-timeout", "1")

    holder = f"held by run the-daily-run (process {os.getpid()}) since "
    waiting, failed = result.stderr.strip().splitlines()
    assert result.returncode == 1
    assert waiting.startswith(f"waiting for the warehouse {build_db}: {holder}")
    assert waiting.endswith("; waiting up to 1 s (REVOPS_WRITER_LOCK_TIMEOUT)")
    assert failed.startswith(f"pipeline not started: the warehouse {build_db} is {holder}")
    assert failed.endswith(
        "; gave up after 1 s (wait longer with --lock-timeout or REVOPS_WRITER_LOCK_TIMEOUT); "
        "nothing was written"
    )
    # Not even the Dagster instance was created (two at once collide on a fresh home).
    assert list(home.iterdir()) == []
    assert not build_db.exists() and not (data_dir / "warehouse" / "revops.duckdb").exists()


def test_a_run_of_the_job_takes_the_same_lock(tmp_path, monkeypatch) -> None:
    """The warehouse resource holds the lock for the whole run: a daemon-launched run waits for
    a command-line run (and the other way round), held here by another process."""
    database = tmp_path / "build" / "revops.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; "
            "from dagster_project.automation.writer_lock import writer_lock\n"
            "with writer_lock(Path(sys.argv[1]), 'make-run'):\n"
            "    print('held', flush=True); time.sleep(60)",
            str(database),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "held\n"
        monkeypatch.setenv("REVOPS_WRITER_LOCK_TIMEOUT", "0.2")

        @dg.asset
        def touches_the_warehouse(warehouse: WarehouseResource) -> None:
            raise AssertionError("ran without the lock")

        warehouse = WarehouseResource(
            database=str(database),
            landing_dir=str(tmp_path / "landing"),
            published_database=str(tmp_path / "revops.duckdb"),
        )
        result = dg.materialize(
            [touches_the_warehouse], resources={"warehouse": warehouse}, raise_on_error=False
        )
        assert not result.success
        (message,) = failure_lines(result)
        assert message.startswith(
            f"at start: {WarehouseBusy.__module__}.WarehouseBusy: the warehouse {database} is "
            "held by run "
            "make-run (process "
        )
    finally:
        # A lock dies with its process: the next run takes it at once, whatever the
        # holder file left behind says.
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    with writer_lock(database, "next", timeout=0):
        pass


def _published(path: Path, run_id: str) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists meta")
        con.execute(
            "create or replace table meta.warehouse_version as "
            f"select '{run_id}' as run_id, date '2026-09-30' as as_of_date"
        )


def test_a_failed_run_says_what_the_published_warehouse_holds(tmp_path) -> None:
    published = tmp_path / "revops.duckdb"
    assert published_after_failure("r2", None, published) == (
        "the published warehouse is unchanged (nothing published yet)"
    )
    _published(published, "r1")
    before = ("r1", "2026-09-30")
    assert published_after_failure("r2", before, published) == (
        "the published warehouse is unchanged (run r1, as of 2026-09-30)"
    )
    _published(published, "r3")
    assert published_after_failure("r2", before, published) == (
        "the published warehouse changed during this run, by another run: it holds run r3, "
        "as of 2026-09-30"
    )
    _published(published, "r2")
    assert published_after_failure("r2", before, published) == (
        "this run published the warehouse (as of 2026-09-30) before a later step failed"
    )


def test_a_landing_error_before_the_run_is_one_line_without_traceback(tmp_path) -> None:
    landing = tmp_path / "data" / "landing"
    (landing / "crm" / "deals" / "Bob's export").mkdir(parents=True)
    (landing / "crm" / "deals" / "Bob's export" / "part-0000.jsonl").write_text("{}\n")
    result = _run_pipeline(tmp_path / "data", tmp_path / "home")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    deals = landing / "crm" / "deals"
    assert result.stderr.strip().splitlines() == [
        f"pipeline not started: {deals}/Bob's export/part-0000.jsonl: export files go directly "
        f"in {deals} (initial export) or in {deals}/date=YYYY-MM-DD/ (daily increments)"
    ]
