"""The daily schedule asks for full_build as of the day before, with config the job accepts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

from dagster_project.automation.run_config import AS_OF_TAG
from dagster_project.automation.schedules import daily_full_build


def _request(scheduled: datetime) -> dg.RunRequest:
    context = dg.build_schedule_context(scheduled_execution_time=scheduled)
    request = daily_full_build(context)
    assert isinstance(request, dg.RunRequest)
    return request


@pytest.mark.parametrize(
    ("scheduled", "as_of_date"),
    [
        (datetime(2026, 10, 15, 6, 0, tzinfo=UTC), "2026-10-14"),
        # Month and year boundaries: the first of the month reports on the last day before it.
        (datetime(2026, 11, 1, 6, 0, tzinfo=UTC), "2026-10-31"),
        (datetime(2027, 1, 1, 6, 0, tzinfo=UTC), "2026-12-31"),
        (datetime(2028, 3, 1, 6, 0, tzinfo=UTC), "2028-02-29"),
    ],
)
def test_a_tick_builds_as_of_the_previous_day(scheduled: datetime, as_of_date: str) -> None:
    request = _request(scheduled)

    config = request.run_config["resources"]["warehouse"]["config"]
    assert config["as_of_date"] == as_of_date
    assert request.tags[AS_OF_TAG] == as_of_date
    # The day's landing partition of the event sources: files that landed that day.
    assert request.partition_key == as_of_date


def _landing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *relative: str) -> None:
    """A landing folder of empty files at `relative` paths, the one the schedule reads."""
    monkeypatch.setenv("REVOPS_LANDING_DIR", str(tmp_path))
    monkeypatch.delenv("REVOPS_FIRST_LANDING_DAY", raising=False)
    for path in relative:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("")


def test_no_run_before_the_first_landing_day(tmp_path, monkeypatch) -> None:
    # The initial export counts as landed the day before the first increment: 30 September.
    _landing(
        tmp_path, monkeypatch, "crm/deals/part-0000.jsonl", "crm/deals/date=2026-10-01/a.jsonl"
    )
    tick = datetime(2026, 9, 30, 6, 0, tzinfo=UTC)
    skipped = daily_full_build(dg.build_schedule_context(scheduled_execution_time=tick))

    assert isinstance(skipped, dg.SkipReason)
    assert "2026-09-29 is before the first landing day 2026-09-30" in str(skipped.skip_message)
    assert isinstance(_request(tick + timedelta(days=1)), dg.RunRequest)

    # The setting moves it, whatever the folder says.
    monkeypatch.setenv("REVOPS_FIRST_LANDING_DAY", "2017-07-31")
    assert _request(datetime(2017, 8, 1, 6, 0, tzinfo=UTC)).partition_key == "2017-07-31"


def test_a_lone_export_counts_as_landed_on_the_day_the_tick_reports_on(
    tmp_path, monkeypatch
) -> None:
    _landing(tmp_path, monkeypatch, "crm/deals/part-0000.jsonl")

    assert _request(datetime(2017, 8, 2, 6, 0, tzinfo=UTC)).partition_key == "2017-08-01"


def test_a_landing_layout_error_skips_the_tick_naming_the_folder(tmp_path, monkeypatch) -> None:
    _landing(tmp_path, monkeypatch, "crm/deals/date=1999-12-31/a.jsonl")
    tick = datetime(2026, 10, 2, 6, 0, tzinfo=UTC)
    skipped = daily_full_build(dg.build_schedule_context(scheduled_execution_time=tick))

    assert isinstance(skipped, dg.SkipReason)
    assert "crm/deals/date=1999-12-31/a.jsonl: landing day 1999-12-31 is before 2000-01-01" in (
        str(skipped.skip_message)
    )


def test_the_run_config_names_this_process_paths_and_the_job_accepts_it(
    dbt_manifest, tmp_path, monkeypatch
) -> None:
    # Paths are resolved at tick time, not when the definitions were imported.
    monkeypatch.setenv("REVOPS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("REVOPS_LANDING_DIR", raising=False)
    monkeypatch.setenv("REVOPS_DUCKDB_PATH", str(tmp_path / "b.duckdb"))
    request = _request(datetime(2026, 10, 15, 6, 0, tzinfo=UTC))

    assert request.run_config["resources"]["warehouse"]["config"] == {
        "database": str(tmp_path / "b.duckdb"),
        "landing_dir": str(tmp_path / "landing"),
        "published_database": str(tmp_path / "warehouse" / "revops.duckdb"),
        "as_of_date": "2026-10-14",
    }
    from dagster_project.definitions import defs

    # Run config replaces a resource's whole config: a partial one would be rejected here.
    assert dg.validate_run_config(defs.resolve_job_def("full_build"), request.run_config)


def test_the_schedule_runs_daily_at_six_utc_and_starts_stopped() -> None:
    assert daily_full_build.cron_schedule == "0 6 * * *"
    assert daily_full_build.execution_timezone == "UTC"
    assert daily_full_build.job_name == "full_build"
    assert daily_full_build.default_status == dg.DefaultScheduleStatus.STOPPED
