"""Continue a generated company one day at a time: the daily increments of the landing contract.

`generate_day` reads what `landing_dir` already holds (the initial export plus earlier `date=`
folders), decides what happens on `day` and writes it to
`<landing>/<system>/<table>/date=YYYY-MM-DD/part-0000.<ext>`, only for tables with records that
day. The state of the company is the landing files themselves, read with DuckDB, so any earlier
day can be regenerated: a day only ever reads files delivered before it, and its random draws
come from streams named after the day, so the same landing content and (day, seed) always give
identical bytes.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

from generator.daily_billing import write_billing_day
from generator.daily_crm import write_crm_day
from generator.daily_events import write_events_day
from generator.daily_state import Landing, last_landing_date
from generator.generate import DEFAULT_END
from generator.write_salesforce import HUBSPOT_TWIN, rewrite_day_as_salesforce
from generator.writers import LandingWriter


def generate_day(
    landing_dir: Path, day: date, seed: int, history_end: date = DEFAULT_END
) -> dict[str, int]:
    """Write the daily increment of `day` and return the rows written per raw table name
    (tables without records that day are absent). `history_end` is the last day of the
    initial export; the warehouse counts that export as landed on the day before the first
    increment, which is this day."""
    landing_dir = Path(landing_dir)
    if day <= history_end:
        raise ValueError(f"{day} is inside the initial export (which ends {history_end})")
    last = last_landing_date(landing_dir) or history_end
    if day > last + timedelta(days=1):
        raise ValueError(f"cannot write {day}: the landing stops at {last}, days must follow")
    # A rerun of a day replaces it: nothing of an earlier attempt may survive in its folders.
    partition = f"date={day.isoformat()}"
    for stale in sorted(landing_dir.glob(f"*/*/{partition}")):
        shutil.rmtree(stale)
    landing = Landing(landing_dir, history_end)
    writer = LandingWriter(landing_dir, partition=partition)
    try:
        # Objects first: the day's new contacts are the parents of its form submissions.
        new_contacts = write_crm_day(writer, landing, day, seed)
        write_billing_day(writer, landing, day, seed)
        write_events_day(writer, landing, day, seed, new_contacts)
    finally:
        writer.close()
    return {table: rows for table, rows in sorted(writer.rows.items()) if rows}


def generate_org_day(
    landing_dir: Path, day: date, seed: int, history_end: date = DEFAULT_END
) -> dict[str, int]:
    """The daily increment of `day` for a Salesforce org (`revops-generate --crm salesforce`):
    the day of the same company as HubSpot, written into the HubSpot exports the org's generator
    kept (`<landing>/.hubspot/`), then rewritten as the org's records of that day."""
    landing_dir = Path(landing_dir)
    if not (landing_dir / HUBSPOT_TWIN).is_dir():
        raise FileNotFoundError(
            f"no {HUBSPOT_TWIN}/ in {landing_dir}: generate the org with revops-generate "
            "--crm salesforce first"
        )
    for stale in sorted(landing_dir.glob(f"*/*/date={day.isoformat()}")):
        shutil.rmtree(stale)
    rows = generate_day(landing_dir / HUBSPOT_TWIN, day, seed, history_end)
    return rewrite_day_as_salesforce(landing_dir, day, rows)


def generate_days(
    landing_dir: Path, first_day: date, days: int, seed: int, history_end: date = DEFAULT_END
) -> dict[date, dict[str, int]]:
    """`days` consecutive increments from `first_day`; rows written per day and table."""
    return {
        first_day + timedelta(days=offset): generate_day(
            landing_dir, first_day + timedelta(days=offset), seed, history_end
        )
        for offset in range(days)
    }
