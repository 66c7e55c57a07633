"""Which landing dates of an event table still need validating: those loaded since they passed.

Event tables only grow by landing date, and reprocessing a date replaces its rows with a newer
`_loaded_at` (extraction contract). So a date whose row count and latest `_loaded_at`
match what the ledger recorded when it last passed holds exactly the rows that passed: a daily
run validates its new date, not the whole history. A date is recorded only when no blocking rule
of its frame failed, so a bad date is validated (and fails) again on every run until it is
reloaded. The ledger is keyed by a digest of the frame's SQL and rules: a changed rule or
threshold validates every date again. Uniqueness still looks across every date (pushdown.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime

import duckdb

from dagster_project.quality.engine.suite import Frame
from dagster_project.sql_text import sql_text

DATE_COLUMN = "_landing_date"
LOADED_COLUMN = "_loaded_at"
LEDGER = "quality.validated_landing_dates"


@dataclass(frozen=True)
class Pending:
    """The landing dates to validate, with what says each one changed."""

    fingerprints: tuple[tuple[date, int, datetime], ...]  # date, rows, latest _loaded_at
    dates_in_table: int

    @property
    def dates(self) -> list[date]:
        return [fingerprint[0] for fingerprint in self.fingerprints]

    @property
    def everything(self) -> bool:
        return len(self.fingerprints) == self.dates_in_table

    def describe(self) -> str:
        if self.everything:
            return f"every landing date ({self.dates_in_table})"
        if not self.fingerprints:
            return f"no landing date loaded since the last pass ({self.dates_in_table} passed)"
        shown = ", ".join(str(day) for day in self.dates[:5])
        more = f" and {len(self.dates) - 5} more" if len(self.dates) > 5 else ""
        return (
            f"landing dates loaded since they last passed: {shown}{more} "
            f"({len(self.dates)} of {self.dates_in_table})"
        )


def frame_digest(frame: Frame) -> str:
    return hashlib.sha256(repr((frame.sql, frame.rules)).encode()).hexdigest()[:16]


def _ensure_ledger(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists quality")
    con.execute(
        f"create table if not exists {LEDGER} (suite varchar, frame_digest varchar, "
        "landing_date date, row_count bigint, loaded_at timestamp, validated_at timestamp)"
    )


def pending(con: duckdb.DuckDBPyConnection, suite_name: str, frame: Frame) -> Pending:
    """The dates of `frame` (an event table's rows) not validated in their current state."""
    _ensure_ledger(con)
    current = con.execute(
        f"select {DATE_COLUMN}, count(*), max({LOADED_COLUMN}) from ({frame.sql}) "
        "group by all order by 1"
    ).fetchall()
    # Inlined values (internal names and a hex digest), not parameters: on a large warehouse
    # the first statement with parameters of a connection takes seconds (extraction/ledger.py).
    passed = set(
        con.execute(
            f"select landing_date, row_count, loaded_at from {LEDGER} "
            f"where suite = {sql_text(suite_name)} and frame_digest = '{frame_digest(frame)}'"
        ).fetchall()
    )
    return Pending(
        fingerprints=tuple(row for row in current if row not in passed),
        dates_in_table=len(current),
    )


def record(
    con: duckdb.DuckDBPyConnection, suite_name: str, frame: Frame, validated: Pending
) -> None:
    """Remember the dates that passed, in the state they passed in."""
    if not validated.fingerprints:
        return
    digest = frame_digest(frame)
    now = datetime.now(UTC).replace(tzinfo=None)
    dates = ", ".join(f"date '{day}'" for day in validated.dates)
    rows = ", ".join(
        f"({sql_text(suite_name)}, '{digest}', date '{day}', {count}, "
        f"{_timestamp(loaded_at)}, {_timestamp(now)})"
        for day, count, loaded_at in validated.fingerprints
    )
    con.execute("begin")
    con.execute(
        f"delete from {LEDGER} where suite = {sql_text(suite_name)} and landing_date in ({dates})"
    )
    con.execute(f"insert into {LEDGER} values {rows}")
    con.execute("commit")


def _timestamp(moment: datetime | None) -> str:
    return f"timestamp '{moment.isoformat(sep=' ')}'" if moment else "null"
