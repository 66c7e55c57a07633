"""Landing days: the daily partitions of the event sources.

A partition is the day export files landed (`date=YYYY-MM-DD` folders), not the day events
happened: a late event arrives in a later day's files and is loaded with that day, and
reprocessing a day replaces exactly what that day delivered. The first day is the initial export.
"""

from __future__ import annotations

from datetime import date, timedelta

import dagster as dg

from dagster_project.metric_config import landing_start_date

# end_offset=1: today's files can be loaded today, by the sensor, before the day is over.
LANDING_DAYS = dg.DailyPartitionsDefinition(
    start_date=landing_start_date().isoformat(), end_offset=1
)
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def day_range_tags(first: date, last: date) -> dict[str, str]:
    """Run tags asking for landing days first..last in one run (Dagster's single-run backfill)."""
    if last < first:
        raise ValueError(f"empty landing-day range {first}..{last}")
    return {RANGE_START_TAG: first.isoformat(), RANGE_END_TAG: last.isoformat()}


def days_of(context: dg.AssetExecutionContext) -> tuple[date, date]:
    """The landing days a run of a partitioned asset covers, first and last included."""
    window = context.partition_time_window
    return window.start.date(), (window.end - timedelta(days=1)).date()
