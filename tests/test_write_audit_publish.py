"""Write-audit-publish with real processes: a killed run leaves the served warehouse intact.

The pipeline runs as a real subprocess (`python -m dagster_project.run_pipeline`), is killed
with SIGKILL in the middle of its dbt build, and the served file must be byte-identical and
openable; a reader holds it read-only throughout; the next run then publishes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb

from dagster_project.extraction.assets import build_extraction_assets, raw_asset_key
from dagster_project.publishing.warehouse import published_warehouse
from dagster_project.quality.checks import build_quality_checks
from dagster_project.source_catalog import SOURCE_TABLES
from dagster_project.transformation.assets import revops_dbt_assets
from dagster_project.transformation.project import dbt_resource
from tests.conftest import make_warehouse, run_full_build
from tests.landing_changes import page_views_for

REPO_ROOT = Path(__file__).resolve().parent.parent
SURVEYS = next(t for t in SOURCE_TABLES if t.raw_table == "success_survey_responses")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _pipeline(data_dir: Path, landing_dir: Path) -> subprocess.Popen[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("REVOPS_DUCKDB_PATH", "DAGSTER_HOME")
    }
    # Its own dbt target: the parse it runs must not replace the suite's partial-parse state.
    env.update(
        REVOPS_DATA_DIR=str(data_dir),
        REVOPS_LANDING_DIR=str(landing_dir),
        DBT_TARGET_PATH=str(data_dir / "dbt_target"),
        DAGSTER_HOME=str(data_dir / "dagster_home"),
    )
    # --verbose: the console shows Dagster's events, among them the step start waited for.
    return subprocess.Popen(
        [sys.executable, "-m", "dagster_project.run_pipeline", "--verbose"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _wait_for(process: subprocess.Popen[str], marker: str, timeout: float) -> list[str]:
    """Read the process's output until a line contains `marker`."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    for line in process.stdout:
        seen.append(line)
        if marker in line:
            return seen
        if time.monotonic() > deadline:
            break
    raise AssertionError(f"never saw {marker!r}; last output:\n{''.join(seen[-20:])}")


def test_a_killed_run_leaves_the_served_warehouse_intact_and_a_rerun_publishes(
    session_build_copy: Path, landing: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    # The run starts from the session's build and served warehouses, as a daily run does.
    served = tmp_path / "warehouse" / "revops.duckdb"
    (served.parent / "build").mkdir(parents=True)
    shutil.move(session_build_copy / "build" / "revops.duckdb", served.parent / "build")
    shutil.move(session_build_copy / "revops.duckdb", served)
    before = _digest(served)
    reader = duckdb.connect(str(served), read_only=True)
    previous_run = reader.execute("select run_id from meta.warehouse_version").fetchone()[0]

    # A new landing day: the run has something to build (with nothing new it would skip dbt).
    landing_dir = tmp_path / "landing"
    shutil.copytree(landing[0], landing_dir)
    page_views_for(landing_dir, date(2026, 10, 1))

    run = _pipeline(tmp_path, landing_dir)
    try:
        _wait_for(run, 'STEP_START - Started execution of step "revops_dbt_assets"', 600)
        time.sleep(2)  # well inside `dbt build`
        # BI keeps reading the served file, read-only, while the run builds.
        assert reader.execute("select count(*) from meta.warehouse_version").fetchone() == (1,)
    finally:
        os.killpg(run.pid, signal.SIGKILL)
        run.wait()
    reader.close()

    assert run.returncode == -signal.SIGKILL
    assert _digest(served) == before
    with duckdb.connect(str(served), read_only=True) as con:
        assert con.execute("select run_id from meta.warehouse_version").fetchone() == (
            previous_run,
        )

    # The next run, in this process (the killed one had to be a process of its own): it starts
    # from what the killed run left in the build folder and publishes.
    rerun = run_full_build(make_warehouse(served.parent, landing_dir))
    assert rerun.success, [event.message for event in rerun.all_events if event.is_step_failure]
    assert _digest(served) != before
    with duckdb.connect(str(served), read_only=True) as con:
        new_run = con.execute("select run_id from meta.warehouse_version").fetchone()[0]
        assert new_run == rerun.run_id != previous_run
        assert con.execute("select count(*) from marts.fct_opportunities").fetchone()[0] > 0
    assert sorted(p.name for p in served.parent.iterdir()) == [
        "build",
        "parquet",
        "quality",
        "report",
        "revops.duckdb",
    ]
    assert (served.parent / "quality" / "index.html").exists()


def test_a_definition_breaking_value_fails_its_blocking_check_and_nothing_is_published(
    session_build_copy: Path, landing: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    """An NPS answer of 11 passes quarantine (a non-negative number) but breaks the NPS
    definition (0-10) that health and the CS SLA read: the blocking check must stop the run."""
    landing_dir = tmp_path / "landing"
    shutil.copytree(landing[0], landing_dir)
    responses = landing_dir / "success" / "survey_responses" / "part-0000.jsonl"
    records = [json.loads(line) for line in responses.read_text(encoding="utf-8").splitlines()]
    broken = next(record for record in records if record["survey"] == "nps")
    broken["score"] = 11
    responses.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    # On the session's warehouses: only the changed survey file loads again. The selection is
    # the path the value takes to the gate: its extraction, its raw checks, then publish (dbt
    # sits between them in a whole run and changes nothing here).
    resource = make_warehouse(session_build_copy, landing_dir)
    served = Path(resource.published_database)
    before = _digest(served)

    result = dg.materialize(
        [
            *build_extraction_assets(),
            revops_dbt_assets,
            published_warehouse,
            *build_quality_checks(),
        ],
        selection=dg.AssetSelection.assets(raw_asset_key(SURVEYS), published_warehouse.key),
        resources={"warehouse": resource, "dbt": dbt_resource()},
        raise_on_error=False,
    )

    assert not result.success
    failed_checks = {
        event.asset_check_evaluation_data.check_name
        for event in result.all_events
        if event.event_type_value == "ASSET_CHECK_EVALUATION"
        and not event.asset_check_evaluation_data.passed
    }
    assert "nps_score_on_scale" in failed_checks
    assert not any(
        event.asset_key == dg.AssetKey(["published_warehouse"])
        for event in result.get_asset_materialization_events()
    )
    assert _digest(served) == before
