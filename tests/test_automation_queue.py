"""A second writer waits in the run queue: the shipped instance settings, Dagster's real dequeuer.

Each test builds an instance from `dagster_project/automation/dagster.yaml` in a temporary
DAGSTER_HOME, with Dagster's mocked run launcher instead of the subprocess one (no pipeline runs),
queues runs as the webserver, schedule or sensor would, and runs one iteration of the queued-run
daemon that `dagster dev` runs, as Dagster's own tests of the run queue do.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._core.events import DagsterEvent, DagsterEventType
from dagster._core.remote_origin import RegisteredCodeLocationOrigin, RemoteRepositoryOrigin
from dagster._core.test_utils import create_run_for_test, create_test_daemon_workspace_context
from dagster._core.workspace.load_target import EmptyWorkspaceTarget
from dagster._daemon.run_coordinator.queued_run_coordinator_daemon import (
    QueuedRunCoordinatorDaemon,
)

from dagster_project.automation.jobs import full_build_job
from dagster_project.paths import REPO_ROOT

QUEUED = dg.DagsterRunStatus.QUEUED
STARTING = dg.DagsterRunStatus.STARTING
STARTED = dg.DagsterRunStatus.STARTED
LOCATION = "dagster_project.definitions"


@pytest.fixture()
def instance(tmp_path: Path) -> Iterator[dg.DagsterInstance]:
    settings = yaml.safe_load((REPO_ROOT / "dagster_project/automation/dagster.yaml").read_text())
    settings["run_launcher"] = {"module": "dagster._core.test_utils", "class": "MockedRunLauncher"}
    (tmp_path / "dagster.yaml").write_text(yaml.safe_dump(settings))
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        yield instance


def _run(
    instance: dg.DagsterInstance,
    status: dg.DagsterRunStatus,
    job_name: str = "full_build",
    tags: dict[str, str] | None = None,
    location: str = LOCATION,
) -> str:
    """A run as launched from a code location (which tags it `dagster/code_location`)."""
    origin = RemoteRepositoryOrigin(RegisteredCodeLocationOrigin(location), "__repository__")
    run = create_run_for_test(
        instance,
        job_name=job_name,
        status=status,
        tags=dict(full_build_job.run_tags) if tags is None else tags,
        remote_job_origin=origin.get_job_origin(job_name),
    )
    return run.run_id


def _dequeue(instance: dg.DagsterInstance) -> None:
    with create_test_daemon_workspace_context(EmptyWorkspaceTarget(), instance) as context:
        list(QueuedRunCoordinatorDaemon(interval_seconds=1).run_iteration(context))


def _report(instance: dg.DagsterInstance, run_id: str, event: DagsterEventType) -> None:
    instance.report_dagster_event(DagsterEvent(event.value, job_name="full_build"), run_id=run_id)


def _status(instance: dg.DagsterInstance, run_id: str) -> dg.DagsterRunStatus:
    return instance.get_run_by_id(run_id).status


def test_a_second_full_build_waits_until_the_first_ends(instance) -> None:
    first = _run(instance, QUEUED)
    second = _run(instance, QUEUED)

    _dequeue(instance)
    assert (_status(instance, first), _status(instance, second)) == (STARTING, QUEUED)

    _report(instance, first, DagsterEventType.RUN_START)
    _dequeue(instance)
    assert (_status(instance, first), _status(instance, second)) == (STARTED, QUEUED)

    _report(instance, first, DagsterEventType.RUN_SUCCESS)
    _dequeue(instance)
    assert _status(instance, second) == STARTING


def test_the_writer_tag_alone_queues_full_builds_of_two_code_locations(instance) -> None:
    running = _run(instance, STARTED, location="revops_a")
    waiting = _run(instance, QUEUED, location="revops_b")

    _dequeue(instance)
    assert (_status(instance, running), _status(instance, waiting)) == (STARTED, QUEUED)


def test_assets_materialized_from_the_ui_wait_behind_a_full_build(instance) -> None:
    """Asset and backfill runs lack the job's tags; the code location limit holds them."""
    _run(instance, STARTED)
    adhoc = _run(instance, QUEUED, job_name="__ASSET_JOB", tags={})
    elsewhere = _run(instance, QUEUED, job_name="__ASSET_JOB", tags={}, location="other")

    _dequeue(instance)
    assert _status(instance, adhoc) == QUEUED
    # The limit is per code location: another project's run on the same instance goes ahead.
    assert _status(instance, elsewhere) == STARTING
