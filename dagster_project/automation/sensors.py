"""The landing sensor: a run of `full_build` when export files arrive or change.

The landing state is the set of (path, size, mtime) of the files extraction reads; its digest is
both the cursor and the run key, so one landing state launches at most one run, even if the
cursor is lost. Files still being written are left alone until the folder is quiet.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from dagster_project.automation.run_config import AS_OF_TAG, as_of_date_for, warehouse_run_config
from dagster_project.automation.schedules import SCHEDULE_TIMEZONE
from dagster_project.jobs import full_build_job
from dagster_project.paths import warehouse_paths
from dagster_project.source_catalog import SOURCE_TABLES

# An export of many files takes a while to copy; a run launched halfway would build from a mix
# of old and new files, then a second run would follow. Wait until no file changed for this long.
QUIET_SECONDS = 60
# Listing the landing folder is cheap, but a tick every 30 s (Dagster's default) adds nothing
# to a pipeline that takes minutes.
MINIMUM_INTERVAL_SECONDS = 120

FileState = tuple[str, int, int]


def landing_state(landing_dir: Path) -> list[FileState]:
    """(path relative to the landing dir, size, mtime_ns) of every file extraction would read.

    Hidden files are skipped: uploads in progress are commonly written as dot-files and renamed.
    """
    state = []
    for table in SOURCE_TABLES:
        for path in (landing_dir / table.landing_subdir).rglob(f"*.{table.extension}"):
            if path.name.startswith(".") or not path.is_file():
                continue
            stat = path.stat()
            state.append((path.relative_to(landing_dir).as_posix(), stat.st_size, stat.st_mtime_ns))
    return sorted(state)


def landing_digest(state: list[FileState]) -> str:
    lines = "".join(f"{path}\t{size}\t{mtime_ns}\n" for path, size, mtime_ns in state)
    return hashlib.sha256(lines.encode()).hexdigest()


def evaluate_landing(
    landing_dir: Path, cursor: str | None, now: datetime
) -> dg.SensorResult | dg.SkipReason:
    """The sensor's decision for a landing folder, given the previous digest and the time."""
    state = landing_state(landing_dir)
    if not state:
        return dg.SkipReason(f"no export files in {landing_dir}")
    newest_ns = max(mtime_ns for _, _, mtime_ns in state)
    if now.timestamp() - newest_ns / 1e9 < QUIET_SECONDS:
        return dg.SkipReason(f"files changed in the last {QUIET_SECONDS} s; waiting for quiet")
    digest = landing_digest(state)
    if digest == cursor:
        return dg.SkipReason(f"landing files unchanged ({len(state)} files)")
    as_of_date = as_of_date_for(now)
    request = dg.RunRequest(
        run_key=digest,
        run_config=warehouse_run_config(as_of_date),
        tags={AS_OF_TAG: as_of_date},
    )
    return dg.SensorResult(run_requests=[request], cursor=digest)


@dg.sensor(
    name="landing_files_sensor",
    job=full_build_job,
    minimum_interval_seconds=MINIMUM_INTERVAL_SECONDS,
    # Stopped until an operator starts it, like the schedule: on first start it launches a run
    # for whatever is already in the landing folder.
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="full_build when export files land or change, as of the previous day.",
)
def landing_files_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    now = datetime.now(ZoneInfo(SCHEDULE_TIMEZONE))
    return evaluate_landing(warehouse_paths().landing_dir, context.cursor, now)
