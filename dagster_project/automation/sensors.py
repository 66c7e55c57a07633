"""The landing sensor: a run of `full_build` when export files arrive or change.

The landing state is the set of (path, size, mtime) of the files extraction reads. Its digest is
the run key, so one landing state launches at most one run, even if the cursor is lost; the
cursor also keeps one digest per landing day, so the run reloads only the days that changed (one
run over the range of changed days: event days are replaced, object files load once). Files
still being written are left alone until the folder is quiet.

The initial export's digest is kept under its own key, not its day: that day can move (a lone
export counts as landed on the as-of date, then on the day before the first increment once one
lands) without a byte changing, and moving it must not launch a run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from dagster_project.automation.jobs import full_build_job
from dagster_project.automation.run_config import AS_OF_TAG, as_of_date_for, warehouse_run_config
from dagster_project.automation.schedules import SCHEDULE_TIMEZONE
from dagster_project.extraction.landing import LandingFile, LandingLayoutError, landing_files
from dagster_project.extraction.partitions import day_range_tags
from dagster_project.paths import warehouse_paths

# An export of many files takes a while to copy; a run launched halfway would build from a mix
# of old and new files, then a second run would follow. Wait until no file changed for this long.
QUIET_SECONDS = 60
# Listing the landing folder is cheap, but a tick every 30 s (Dagster's default) adds nothing
# to a pipeline that takes minutes.
MINIMUM_INTERVAL_SECONDS = 120

FileState = tuple[str, int, int]


def landing_state(landing_dir: Path, as_of: date) -> list[FileState]:
    """(path relative to the landing dir, size, mtime_ns) of every file extraction would read
    (extraction/landing.py skips hidden uploads)."""
    return sorted(_file_state(f) for f in landing_files(landing_dir, as_of))


def _file_state(file: LandingFile) -> FileState:
    return file.relative, file.size_bytes, file.modified_ns


def landing_digest(state: Iterable[FileState]) -> str:
    lines = "".join(f"{path}\t{size}\t{mtime_ns}\n" for path, size, mtime_ns in sorted(state))
    return hashlib.sha256(lines.encode()).hexdigest()


INITIAL_EXPORT_KEY = "initial"


def _day_key(file: LandingFile) -> str:
    return INITIAL_EXPORT_KEY if file.in_initial_export else file.landing_date.isoformat()


def _day_digests(files: list[LandingFile]) -> dict[str, str]:
    days: dict[str, list[FileState]] = {}
    for f in files:
        days.setdefault(_day_key(f), []).append(_file_state(f))
    return {day: landing_digest(state) for day, state in sorted(days.items())}


def _previous_days(cursor: str | None) -> dict[str, str]:
    """The per-day digests of the last launch; a cursor of an older format counts as none."""
    try:
        return dict(json.loads(cursor or "{}").get("days", {}))
    except (ValueError, AttributeError):
        return {}


def evaluate_landing(
    landing_dir: Path, cursor: str | None, now: datetime
) -> dg.SensorResult | dg.SkipReason:
    """The sensor's decision for a landing folder, given the previous cursor and the time."""
    as_of_date = as_of_date_for(now)
    try:
        # As of the run it would launch: an initial export alone counts as landed that day.
        files = landing_files(landing_dir, date.fromisoformat(as_of_date))
    except LandingLayoutError as error:
        return dg.SkipReason(f"landing layout error, fix it to go on: {error}")
    if not files:
        return dg.SkipReason(f"no export files in {landing_dir}")
    newest_ns = max(f.modified_ns for f in files)
    if now.timestamp() - newest_ns / 1e9 < QUIET_SECONDS:
        return dg.SkipReason(f"files changed in the last {QUIET_SECONDS} s; waiting for quiet")
    digest = landing_digest(map(_file_state, files))
    days = _day_digests(files)
    previous = _previous_days(cursor)
    changed = [day for day, day_digest in days.items() if previous.get(day) != day_digest]
    new_cursor = json.dumps({"digest": digest, "days": days})
    if not changed:
        # Only whole days left the folder: their events stay until a day is reprocessed by hand.
        reason = f"landing files unchanged ({len(files)} files)"
        return (
            dg.SkipReason(reason)
            if previous == days
            else dg.SensorResult(cursor=new_cursor, skip_reason=reason)
        )
    changed_days = sorted({f.landing_date for f in files if _day_key(f) in changed})
    first, last = changed_days[0], changed_days[-1]
    request = dg.RunRequest(
        run_key=digest,
        run_config=warehouse_run_config(as_of_date),
        tags={AS_OF_TAG: as_of_date, **day_range_tags(first, last)},
    )
    return dg.SensorResult(run_requests=[request], cursor=new_cursor)


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
