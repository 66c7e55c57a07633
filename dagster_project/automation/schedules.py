"""The daily schedule: the whole pipeline every morning, as of the day before.

Each tick loads the previous day's landing partition of the event sources (and any new object
files), then rebuilds and publishes; dbt's incremental models take only what changed.
"""

from __future__ import annotations

from datetime import date

import dagster as dg

from dagster_project.automation.jobs import api_sync_build_job, full_build_job
from dagster_project.automation.run_config import AS_OF_TAG, as_of_date_for, warehouse_run_config
from dagster_project.extraction.landing import LandingLayoutError, initial_export_day
from dagster_project.paths import warehouse_paths

# Early morning UTC, once the nightly exports have landed; the freshness windows in freshness.py
# assume this daily cadence.
DAILY_CRON = "0 6 * * *"
SCHEDULE_TIMEZONE = "UTC"


@dg.schedule(
    name="daily_full_build",
    job=full_build_job,
    cron_schedule=DAILY_CRON,
    execution_timezone=SCHEDULE_TIMEZONE,
    # Stopped until an operator starts it: `make dev` on a laptop must not rebuild (and publish)
    # the sample warehouse as of yesterday, a date the sample data was not generated for.
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="full_build every day at 06:00 UTC, as of the previous day.",
)
def daily_full_build(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
    return daily_run_request(context)


@dg.schedule(
    name="daily_api_sync_build",
    job=api_sync_build_job,
    cron_schedule=DAILY_CRON,
    execution_timezone=SCHEDULE_TIMEZONE,
    # Stopped until an operator connects an account (docs/connectors.md) and starts it.
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="api_sync_build every day at 06:00 UTC: sync the previous day, then build.",
)
def daily_api_sync_build(
    context: dg.ScheduleEvaluationContext,
) -> dg.RunRequest | dg.SkipReason:
    return daily_run_request(context)


def daily_run_request(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
    """A run as of the day before the tick, once the landing folder has reached that day."""
    as_of_date = as_of_date_for(context.scheduled_execution_time)
    landing_dir = warehouse_paths().landing_dir
    try:
        first_day = initial_export_day(landing_dir, date.fromisoformat(as_of_date))
    except LandingLayoutError as error:
        return dg.SkipReason(f"landing layout error, fix it to go on: {error}")
    if as_of_date < first_day.isoformat():
        return dg.SkipReason(f"{as_of_date} is before the first landing day {first_day}")
    return dg.RunRequest(
        partition_key=as_of_date,
        run_config=warehouse_run_config(as_of_date),
        tags={AS_OF_TAG: as_of_date},
    )
