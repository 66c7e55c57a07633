"""What the connectors share: retry bounds, the overlap window, the day's window end, and the
count of requests sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol


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


class CountsRequests(Protocol):
    requests: int


def count_attempts(session: Any, url: str, counter: CountsRequests) -> None:
    """Count every attempt `session` sends to `url` on `counter.requests`, retries included:
    each one passes the transport adapter, where dlt's retrying client cannot hide it."""
    adapter = session.get_adapter(url)
    send = adapter.send

    def counted_send(*args: Any, **kwargs: Any) -> Any:
        counter.requests += 1
        return send(*args, **kwargs)

    adapter.send = counted_send
