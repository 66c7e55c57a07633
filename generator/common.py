"""Shared pieces of the generator: the time window, seeded random streams, vectorised helpers.

Every time is an int64 of Unix epoch seconds (UTC) until the writers format it, so the models
can do arithmetic on whole columns with numpy instead of looping over records.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np

MINUTE = 60
HOUR = 3600
DAY = 86_400
SECOND_MS = 1000
NONE = -1  # "no such moment / no such row" in int64 time and index columns

CURRENCIES = ("EUR", "USD", "GBP")
# EUR per unit, only to size amounts; billing writes the dated series downstream converts with.
APPROX_EUR_RATE = np.array([1.0, 0.92, 1.17])


@dataclass(frozen=True)
class Window:
    """The generated history: [start, end) in epoch seconds."""

    start: int
    end: int

    @classmethod
    def from_dates(cls, first_day: date, last_day: date) -> Window:
        start = datetime(first_day.year, first_day.month, first_day.day, tzinfo=UTC)
        last = datetime(last_day.year, last_day.month, last_day.day, tzinfo=UTC)
        return cls(int(start.timestamp()), int(last.timestamp()) + DAY)

    @property
    def days(self) -> float:
        return (self.end - self.start) / DAY

    def fraction(self, ts: np.ndarray) -> np.ndarray:
        """Position of each time in the window, 0 at start and 1 at end (trends over time)."""
        return np.clip((ts - self.start) / (self.end - self.start), 0.0, 1.0)


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent random stream per component, so extra draws in one model never shift
    the numbers of another one (a change to tickets must not reshuffle the deals)."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def expand(counts: np.ndarray) -> np.ndarray:
    """Parent index of every child row: expand([2, 0, 1]) == [0, 0, 2]."""
    return np.repeat(np.arange(len(counts)), counts)


def offsets(counts: np.ndarray) -> np.ndarray:
    """CSR offsets: children of parent i are rows offsets[i]:offsets[i + 1]."""
    out = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=out[1:])
    return out


def position_in_group(counts: np.ndarray) -> np.ndarray:
    """0-based rank of every child inside its parent's block (rows grouped by parent)."""
    return np.arange(int(counts.sum())) - np.repeat(offsets(counts)[:-1], counts)


def group_cumsum(values: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Running sum restarting at each group; rows must be sorted by group."""
    total = np.cumsum(values)
    first = np.r_[True, group[1:] != group[:-1]][: len(group)]
    starts = np.flatnonzero(first)
    base = np.repeat(total[starts] - values[starts], np.diff(np.r_[starts, len(values)]))
    return total - base


def is_last_in_group(group: np.ndarray) -> np.ndarray:
    return np.r_[group[1:] != group[:-1], True][: len(group)]


def uniform_time(rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """A uniform whole second in [low, high) (high > low assumed)."""
    return low + (rng.random(len(low)) * (high - low)).astype(np.int64)


def lognormal_seconds(
    rng: np.random.Generator, median_seconds: float | np.ndarray, sigma: float, n: int
) -> np.ndarray:
    return (median_seconds * np.exp(sigma * rng.standard_normal(n))).astype(np.int64)


def choice(rng: np.random.Generator, weights: np.ndarray | list[float], n: int) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def add_months(ts: np.ndarray, months: np.ndarray | int) -> np.ndarray:
    """Calendar-month arithmetic, clamping the day to the month's length as Stripe does for a
    billing anchor on the 31st. Always count from the anchor (not period to period) so the
    day comes back after a short month."""
    days = ts // DAY
    time_of_day = ts - days * DAY
    day = days.astype("datetime64[D]")
    month = day.astype("datetime64[M]")
    day_of_month = (day - month.astype("datetime64[D]")).astype(np.int64)
    target = month + np.asarray(months).astype("timedelta64[M]")
    month_days = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(
        np.int64
    )
    new_day = target.astype("datetime64[D]") + np.minimum(day_of_month, month_days - 1)
    return new_day.astype(np.int64) * DAY + time_of_day


def whole_months_between(anchor: np.ndarray, ts: np.ndarray) -> np.ndarray:
    """Largest m with add_months(anchor, m) <= ts."""
    a = (anchor // DAY).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    b = (ts // DAY).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    m = b - a
    return m - (add_months(anchor, m) > ts)


def paris_utc_offset_hours(ts: np.ndarray) -> np.ndarray:
    """+1 (CET) or +2 (CEST): the marketing tools export in the company's local time. EU rule:
    summer time from the last Sunday of March to the last Sunday of October, 01:00 UTC."""
    years = np.arange(2015, 2036)
    edges = []
    for year in years:
        for month in (3, 10):
            last = np.datetime64(f"{year}-{month + 1:02d}-01") - np.timedelta64(1, "D")
            weekday = (last.astype(np.int64) + 3) % 7  # 0 = Monday; 1970-01-01 was a Thursday
            sunday = last - np.timedelta64((weekday - 6) % 7, "D")
            edges.append(sunday.astype(np.int64) * DAY + HOUR)
    return 1 + (np.searchsorted(np.array(edges), ts, side="right") % 2)


def weekday(ts: np.ndarray) -> np.ndarray:
    """0 = Monday ... 6 = Sunday."""
    return ((ts // DAY) + 3) % 7


def working_time(rng: np.random.Generator, ts: np.ndarray, start_hour: float = 7.0) -> np.ndarray:
    """Move times to a weekday between about 07:00 and 18:00 UTC, keeping the calendar week:
    people log in, call and buy in office hours. Never earlier than the input's day."""
    day = ts // DAY
    wd = (day + 3) % 7
    day = day + np.where(wd >= 5, 7 - wd, 0)
    hours = start_hour + 11.0 * rng.beta(2.5, 2.5, len(ts))
    return day * DAY + (hours * HOUR).astype(np.int64)
