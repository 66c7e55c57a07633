"""What both connectors share: retry bounds, the overlap window, and the day's window end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta


@dataclass(frozen=True)
class SyncSettings:
    """Bounds of one sync. Defaults suit a real account; tests shorten the waits."""

    # Attempts per request, the first included: 429s, 5xx and reset connections are retried with
    # exponential backoff (the API's Retry-After when it gives one) until then.
    max_attempts: int = 5
    backoff_seconds: float = 1.0
    max_delay_seconds: float = 60.0
    timeout_seconds: float = 60.0
    # Each window starts this long before the previous one ended: a record stamped a little in
    # the past by the API's clock (or committed late) is still seen.
    overlap_seconds: int = 600
    page_size: int = 100


def day_end(day: date) -> datetime:
    """The end of a landing day: a sync of `day` asks for what changed before it."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
