"""A day's behavioural events: product tracks, page views, email events, form submissions.

Volume and shape come from history: day D replays the events of D - 7 (same weekday; email
D - 35) with new ids and times shifted by as much, read with DuckDB straight from the landing
files (Parquet row-group pruning on `timestamp`; CSV parsed in parallel). About 2% of a day's
events arrive late, in the next day's files, with their original times: so day D delivers what
it keeps of its own replay plus the late share of D - 1's, recomputed from the files delivered
before D - 1. The row holding a day's largest id is never late, so the next day's ids start
above every id of the day, delivered or not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

from generator.common import DAY, paris_utc_offset_hours, stream
from generator.daily_state import (
    CATALOG,
    Landing,
    csv_edges,
    epoch_day,
    reader,
    sql_list,
)
from generator.marketing import FORM_TYPES
from generator.writers import LandingWriter, lookup, padded_ids, to_arrow

LATE_SHARE = 0.02
SECOND_US = 1_000_000
# Forms a new lead fills in: content forms (intent forms make MQLs, not leads).
LEAD_FORMS = (0, 1, 2)  # newsletter, content_download, webinar
SITE = "https://www.example.com"
TRACK_DIMENSIONS = ("event", "user_id", "workspace_id", "feature_name")


@dataclass(frozen=True)
class EventSource:
    raw_table: str
    id_column: str
    prefix: str
    digits: int
    time_column: str
    # Days back to the day replayed: a week (same weekday) for steady streams; five weeks for
    # email, whose sends come in monthly campaign bursts a week-old day would mostly miss.
    lag_days: int = 7

    @property
    def content_columns(self) -> list[str]:
        """The contract's columns other than the id and the event time, in file order."""
        columns = CATALOG[self.raw_table].required_columns
        return [c for c in columns if c not in (self.id_column, self.time_column)]


TRACKS = EventSource("product_tracks", "message_id", "msg_", 10, "timestamp")
PAGE_VIEWS = EventSource("marketing_page_views", "view_id", "pv_", 9, "occurred_at")
EMAIL_EVENTS = EventSource("marketing_email_events", "event_id", "em_", 9, "occurred_at", 35)
FORMS = EventSource("marketing_form_submissions", "submission_id", "fs_", 8, "submitted_at")
SOURCES = (TRACKS, PAGE_VIEWS, EMAIL_EVENTS, FORMS)


@dataclass(frozen=True)
class NewLeads:
    """The day's new contacts (HubSpot ids and creation times), for their first form."""

    contact_id: np.ndarray
    created: np.ndarray


def write_events_day(
    w: LandingWriter, landing: Landing, day: date, seed: int, new_leads: NewLeads
) -> None:
    for source in SOURCES:
        today, next_number = _replay(w, landing, source, day)
        parts = [today.filter(to_arrow(~_late(seed, source, day, today.num_rows)))]
        yesterday = day - timedelta(days=1)
        if landing.is_increment(yesterday):
            before, _ = _replay(w, landing, source, yesterday)
            late = _late(seed, source, yesterday, before.num_rows)
            parts.insert(0, before.filter(to_arrow(late)))
        if source is FORMS:
            parts.append(_lead_forms(w, new_leads, next_number, day, seed))
        rows = pa.concat_tables(parts)
        if rows.num_rows:
            _write(w, source, rows)


def _late(seed: int, source: EventSource, day: date, n: int) -> np.ndarray:
    """Which of the day's replayed rows (in id order) are delivered the next day."""
    late = stream(seed, f"daily-late-{source.raw_table}-{day.isoformat()}").random(n) < LATE_SHARE
    if n:
        late[-1] = False  # the day's largest id is delivered on time (see module docstring)
    return late


def _replay(
    w: LandingWriter, landing: Landing, source: EventSource, day: date
) -> tuple[pa.Table, int]:
    """The day's replayed events, `number` (the id's digits) first, in id order; and the
    next free id number. Reads only files delivered before the day."""
    table = CATALOG[source.raw_table]
    low = epoch_day(day - timedelta(days=source.lag_days))
    files = landing.files(source.raw_table, day)
    if table.file_format == "csv":
        files = [p for p in files if not landing.is_export(p) or _may_hold(source, p, low)]
    base = _largest_number(w, landing, source, day) + 1
    shift_us = source.lag_days * DAY * SECOND_US
    if source is TRACKS:
        # A user signs up once: a replayed sign-up is that user's login.
        select = (
            "case event when 'Signed Up' then 'Logged In' else event end as event, "
            "user_id, workspace_id, feature_name, "
            f"epoch_us(timestamp) + {shift_us} as us, "
            f"epoch_us(received_at) + {shift_us} as received_us"
        )
        moment = "timestamp"
        low_sql = f"make_timestamp({low * SECOND_US})"
        high_sql = f"make_timestamp({(low + DAY) * SECOND_US})"
    else:
        select = ", ".join(source.content_columns)
        select += f", epoch_us({source.time_column}::timestamptz) + {shift_us} as us"
        moment = f"{source.time_column}::timestamptz"
        low_sql, high_sql = f"to_timestamp({low})", f"to_timestamp({low + DAY})"
    replayed = w.con.execute(
        f"select {select} from {reader(table, files)} "
        f"where {moment} >= {low_sql} and {moment} < {high_sql} "
        f"order by us, {source.id_column}"
    ).to_arrow_table()
    numbers = base + np.arange(replayed.num_rows, dtype=np.int64)
    return replayed.add_column(0, "number", to_arrow(numbers)), int(base + replayed.num_rows)


def _may_hold(source: EventSource, path: Path, low: int) -> bool:
    """Whether an export part (in time order, see `csv_edges`) can hold events of the day
    starting at `low`."""
    first, last = csv_edges(path)
    times = [first[source.time_column], last[source.time_column]]
    start, end = (int(datetime.fromisoformat(t).timestamp()) for t in times)
    return start < low + DAY and end >= low


def _largest_number(w: LandingWriter, landing: Landing, source: EventSource, day: date) -> int:
    """The largest id number delivered before the day (0 if none).

    Ids are zero-padded to one width, so the largest text is the largest number: Parquet
    answers it from row-group statistics, an export CSV part from its last record.
    """
    files = landing.latest_files(source.raw_table, day)
    exported = [p for p in files if landing.is_export(p)]
    dated = [p for p in files if not landing.is_export(p)]
    if CATALOG[source.raw_table].file_format == "parquet":
        largest = w.con.execute(
            f"select max(stats_max_value) from parquet_metadata({sql_list(files)}) "
            f"where path_in_schema = '{source.id_column}'"
        ).fetchone()[0]
    else:
        texts = [csv_edges(exported[-1])[1][source.id_column]] if exported else []
        if dated:
            texts.append(
                w.con.execute(
                    f"select max({source.id_column}) "
                    f"from {reader(CATALOG[source.raw_table], dated)}"
                ).fetchone()[0]
            )
        largest = max(texts, default=None)
    return int(largest.removeprefix(source.prefix)) if largest else 0


def _lead_forms(
    w: LandingWriter, leads: NewLeads, first_number: int, day: date, seed: int
) -> pa.Table:
    """One content form per new lead, at the moment the contact was created (the form
    created it), numbered after the day's replayed submissions."""
    n = len(leads.contact_id)
    rng = stream(seed, f"daily-lead-forms-{day.isoformat()}")
    w.register(
        "_lead_forms",
        {
            "number": first_number + np.arange(n, dtype=np.int64),
            "contact_id": leads.contact_id,
            "kind": rng.choice(LEAD_FORMS, n),
            "slug": rng.integers(1, 400, n),
            "created": leads.created,
        },
    )
    page = f"""case kind
        when 0 then '{SITE}/blog/post-' || slug::varchar
        when 1 then '{SITE}/resources/guide-' || slug::varchar
        else '{SITE}/webinars/session-' || slug::varchar end"""
    return w.con.execute(
        f"""select number, contact_id::varchar as contact_id,
            {lookup(FORM_TYPES, "kind")} as form_type, {page} as page_url,
            created * {SECOND_US} as us
        from _lead_forms order by number"""
    ).to_arrow_table()


def _write(w: LandingWriter, source: EventSource, rows: pa.Table) -> None:
    """Render the day's rows in the initial export's formats, in id order."""
    order = np.argsort(rows.column("number").to_numpy(), kind="stable")
    rows = rows.take(to_arrow(order))
    numbers = rows.column("number").to_numpy()
    table = CATALOG[source.raw_table]
    if source is TRACKS:
        stamp = pa.timestamp("us")
        columns = {
            "message_id": padded_ids(source.prefix, numbers, source.digits),
            **{c: rows.column(c).combine_chunks() for c in TRACK_DIMENSIONS},
            "timestamp": rows.column("us").combine_chunks().view(stamp),
            "received_at": rows.column("received_us").combine_chunks().view(stamp),
        }
        data = pa.Table.from_arrays(list(columns.values()), names=list(columns))
        w.write_parquet(table.system, table.name, data, data.num_rows, list(TRACK_DIMENSIONS))
        return
    seconds = rows.column("us").to_numpy() // SECOND_US
    columns = {
        "_row": np.arange(rows.num_rows),
        "number": numbers,
        **{c: rows.column(c).combine_chunks() for c in source.content_columns},
        "ts": seconds,
        "off": paris_utc_offset_hours(seconds),
    }
    content = ", ".join(source.content_columns)
    w.write(
        table.system,
        table.name,
        "csv",
        f"""select _row,
            '{source.prefix}' || lpad(number::varchar, {source.digits}, '0')
                as {source.id_column},
            {content}, local_ts(ts, off) as {source.time_column}
        from _events""",
        {"_events": columns},
    )
