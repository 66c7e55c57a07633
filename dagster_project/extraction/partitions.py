"""Landing days: the daily partitions of the event sources.

A partition is the day export files landed (`date=YYYY-MM-DD` folders), not the day events
happened: a late event arrives in a later day's files and is loaded with that day, and
reprocessing a day replaces exactly what that day delivered. The initial export counts as landed
on one day too (extraction/landing.py, `initial_export_day`).

The partitions start on a fixed early day, not on the first day of the landing folder: the
definition is part of the code location that the UI, the daemon and every run load, so it must
not move when files land (a run of a day before a moved start fails on a Dagster invariant), and
importing it must read nothing. Which days exist is the landing folder's business: `make run`,
the sensor and the schedule take their days from it, and the partitions only need to contain
them. The cost is a long list of never-landed days in the UI's partition view.
"""

from __future__ import annotations

from datetime import date, timedelta

import dagster as dg

from dagster_project.extraction.landing import EARLIEST_LANDING_DAY

# end_offset=1: today's files can be loaded today, by the sensor, before the day is over.
LANDING_DAYS = dg.DailyPartitionsDefinition(
    start_date=EARLIEST_LANDING_DAY.isoformat(), end_offset=1
)
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def day_range_tags(first: date, last: date) -> dict[str, str]:
    """Run tags asking for landing days first..last in one run (Dagster's single-run backfill)."""
    if last < first:
        raise ValueError(f"empty landing-day range {first}..{last}")
    if first < EARLIEST_LANDING_DAY:
        raise ValueError(
            f"landing day {first} is before {EARLIEST_LANDING_DAY}, the first day of the "
            "landing-day partitions"
        )
    return {RANGE_START_TAG: first.isoformat(), RANGE_END_TAG: last.isoformat()}


def days_of(context: dg.AssetExecutionContext) -> tuple[date, date]:
    """The landing days a run of a partitioned asset covers, first and last included."""
    window = context.partition_time_window
    return window.start.date(), (window.end - timedelta(days=1)).date()
