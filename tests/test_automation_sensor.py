"""The landing sensor: one run per new landing state; none while unchanged or still landing."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

from dagster_project.automation.run_config import AS_OF_TAG
from dagster_project.automation.sensors import (
    QUIET_SECONDS,
    evaluate_landing,
    landing_digest,
    landing_files_sensor,
    landing_state,
)
from dagster_project.extraction.partitions import RANGE_END_TAG, RANGE_START_TAG

HOUR_AGO = time.time() - 3600


def _write(landing: Path, relative: str, text: str, mtime: float = HOUR_AGO) -> Path:
    path = landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.utime(path, (mtime, mtime))
    return path


@pytest.fixture()
def landing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "landing"
    # The sensor resolves the landing dir through paths.py at each tick.
    monkeypatch.setenv("REVOPS_LANDING_DIR", str(folder))
    _write(folder, "crm/deals/deals.jsonl", '{"id": "1"}\n')
    _write(folder, "marketing/campaigns/campaigns.csv", "campaign_id\nc1\n")
    return folder


def _tick(instance: dg.DagsterInstance, cursor: str | None) -> dg.SensorResult | dg.SkipReason:
    return landing_files_sensor(dg.build_sensor_context(instance=instance, cursor=cursor))


def test_new_files_launch_one_run_keyed_by_the_landing_state(landing: Path) -> None:
    with dg.instance_for_test() as instance:
        first = _tick(instance, None)

        assert isinstance(first, dg.SensorResult)
        [request] = first.run_requests
        state = landing_state(landing, date(2026, 9, 30))
        assert [path for path, _, _ in state] == [
            "crm/deals/deals.jsonl",
            "marketing/campaigns/campaigns.csv",
        ]
        assert request.run_key == json.loads(first.cursor)["digest"] == landing_digest(state)
        # A lone initial export counts as landed on the day the run reports on: that day loads.
        as_of = request.tags[AS_OF_TAG]
        assert (request.tags[RANGE_START_TAG], request.tags[RANGE_END_TAG]) == (as_of, as_of)
        config = request.run_config["resources"]["warehouse"]["config"]
        assert config["landing_dir"] == str(landing)
        assert config["as_of_date"] == request.tags[AS_OF_TAG]

        # Same files, same sizes and times: nothing to do.
        unchanged = _tick(instance, first.cursor)
        assert isinstance(unchanged, dg.SkipReason)
        assert "unchanged (2 files)" in unchanged.skip_message


def test_a_new_or_changed_file_launches_again(landing: Path) -> None:
    with dg.instance_for_test() as instance:
        cursor = _tick(instance, None).cursor

        _write(landing, "crm/deals/date=2026-10-02/part-0000.jsonl", '{"id": "2"}\n')
        _write(landing, "crm/deals/date=2026-10-03/part-0000.jsonl", '{"id": "3"}\n')
        added = _tick(instance, cursor)
        assert isinstance(added, dg.SensorResult)
        assert added.cursor != cursor
        # Only the new days, in one run: the initial export now counts as landed on 1 October,
        # the day before the first increment, but none of its bytes changed.
        tags = added.run_requests[0].tags
        assert (tags[RANGE_START_TAG], tags[RANGE_END_TAG]) == ("2026-10-02", "2026-10-03")

        # A corrected export rewritten in place: same name, new size and time.
        _write(landing, "crm/deals/deals.jsonl", '{"id": "1", "amount": 5}\n', HOUR_AGO + 60)
        changed = _tick(instance, added.cursor)
        assert isinstance(changed, dg.SensorResult)
        assert changed.cursor not in (cursor, added.cursor)
        assert changed.run_requests[0].run_key == json.loads(changed.cursor)["digest"]
        tags = changed.run_requests[0].tags
        assert (tags[RANGE_START_TAG], tags[RANGE_END_TAG]) == ("2026-10-01", "2026-10-01")


def test_a_misplaced_file_is_named_instead_of_launching(landing: Path) -> None:
    _write(landing, "crm/deals/2026-10-02/part-0000.jsonl", '{"id": "2"}\n')
    with dg.instance_for_test() as instance:
        skipped = _tick(instance, None)

    assert isinstance(skipped, dg.SkipReason)
    assert "crm/deals/2026-10-02/part-0000.jsonl" in skipped.skip_message
    assert "date=YYYY-MM-DD" in skipped.skip_message


def test_files_extraction_does_not_read_are_ignored(landing: Path) -> None:
    with dg.instance_for_test() as instance:
        cursor = _tick(instance, None).cursor

        _write(landing, "README.txt", "notes")
        _write(landing, "crm/deals/date=2026-10-02/.part-0000.jsonl", "upload in progress")
        _write(landing, "crm/unknown_table/x.jsonl", "{}")
        assert isinstance(_tick(instance, cursor), dg.SkipReason)


def test_nothing_launches_while_files_are_still_landing(tmp_path: Path) -> None:
    now = datetime(2026, 7, 2, 12, 0, tzinfo=UTC)
    _write(tmp_path, "crm/deals/deals.jsonl", "{}", now.timestamp() - 600)
    _write(tmp_path, "crm/deals/date=2026-07-02/part-0000.jsonl", "{}", now.timestamp() - 5)

    waiting = evaluate_landing(tmp_path, None, now)
    assert isinstance(waiting, dg.SkipReason)
    assert "waiting for quiet" in waiting.skip_message
    still = evaluate_landing(tmp_path, None, now + timedelta(seconds=QUIET_SECONDS - 6))
    assert isinstance(still, dg.SkipReason)

    launched = evaluate_landing(tmp_path, None, now + timedelta(seconds=QUIET_SECONDS - 5))
    assert isinstance(launched, dg.SensorResult)
    # As of the last complete day, like the schedule.
    assert launched.run_requests[0].tags[AS_OF_TAG] == "2026-07-01"


def test_an_empty_landing_dir_skips(tmp_path: Path) -> None:
    result = evaluate_landing(tmp_path / "nothing", None, datetime(2026, 7, 2, tzinfo=UTC))
    assert isinstance(result, dg.SkipReason)
    assert "no export files" in result.skip_message


def test_the_sensor_targets_full_build_starts_stopped_and_ticks_at_most_every_two_minutes() -> None:
    assert landing_files_sensor.job_name == "full_build"
    assert landing_files_sensor.default_status == dg.DefaultSensorStatus.STOPPED
    assert landing_files_sensor.minimum_interval_seconds == 120
