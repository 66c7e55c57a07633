"""A generated company as the APIs would hold it on a given day.

The landing folder the generator wrote is read once; `as_of(day)` gives the state of the sources
at the end of that day: each object's latest version delivered by then (HubSpot: the newest
`updatedAt`; Stripe: the later delivery) and every event delivered by then, in the order it was
recorded. The initial export counts as delivered on the day before the first increment (or on
`history_end` without one), as extraction dates it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from dagster_project.source_catalog import SALESFORCE_TABLES

Record = dict[str, Any]
# The tables the connectors fetch: HubSpot's CRM objects and Stripe's billing objects.
SERVED_TABLES = (
    "crm/owners",
    "crm/companies",
    "crm/contacts",
    "crm/deals",
    "crm/engagements",
    "billing/customers",
    "billing/subscriptions",
    "billing/subscription_events",
    "billing/invoices",
    "billing/credit_notes",
)
EVENT_TABLES = ("billing/subscription_events",)
# The Salesforce connector's objects: an org's records, the latest delivery of each served.
SALESFORCE_SERVED_TABLES = tuple(f"salesforce/{table.name}" for table in SALESFORCE_TABLES)


@dataclass
class Delivery:
    day: date
    record: Record


@dataclass
class Company:
    """Every delivery of the served tables, by table, in delivery order."""

    deliveries: dict[str, list[Delivery]] = field(default_factory=dict)
    first_day: date = date(2000, 1, 1)
    last_day: date = date(2000, 1, 1)

    def days(self) -> list[date]:
        return sorted({d.day for rows in self.deliveries.values() for d in rows})

    def as_of(self, day: date) -> dict[str, list[Record]]:
        """Each served table on `day`: objects at their latest version, events in order."""
        state: dict[str, list[Record]] = {}
        for table, rows in self.deliveries.items():
            delivered = [d for d in rows if d.day <= day]
            if table in EVENT_TABLES:
                state[table] = [d.record for d in delivered]
                continue
            # HubSpot's and Stripe's records: `id`, versions by `updatedAt`; Salesforce's: `Id`,
            # `SystemModstamp` (a field history row never changes).
            key, version = (
                ("Id", "SystemModstamp")
                if table in SALESFORCE_SERVED_TABLES
                else (
                    "id",
                    "updatedAt",
                )
            )
            latest: dict[str, Record] = {}
            for d in delivered:
                current = latest.get(d.record[key])
                newer = (
                    current is None
                    or version not in current
                    or d.record[version] >= current[version]
                )
                if newer:
                    latest[d.record[key]] = d.record
            state[table] = list(latest.values())
        return state


def _read_jsonl(path: Path) -> list[Record]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def load_company(
    landing_dir: Path, history_end: date, tables: tuple[str, ...] = SERVED_TABLES
) -> Company:
    """Read the generator's landing folder (`history_end`: the initial export's last day)."""
    company = Company()
    dated = sorted(landing_dir.glob("*/*/date=*"))
    first_increment = min((date.fromisoformat(p.name[5:]) for p in dated), default=None)
    initial_day = first_increment - timedelta(days=1) if first_increment else history_end
    for table in tables:
        folder = landing_dir / table
        rows: list[Delivery] = []
        for path in sorted(folder.glob("part-*.jsonl")):
            rows += [Delivery(initial_day, r) for r in _read_jsonl(path)]
        for day_folder in sorted(folder.glob("date=*")):
            day = date.fromisoformat(day_folder.name[5:])
            for path in sorted(day_folder.glob("part-*.jsonl")):
                # Stripe lists events in the order they were recorded: a change delivered late
                # was recorded on its delivery day, after everything delivered before it.
                records = _read_jsonl(path)
                if table in EVENT_TABLES:
                    records.sort(key=lambda r: (r["created"], r["id"]))
                rows += [Delivery(day, r) for r in records]
        company.deliveries[table] = rows
    company.first_day = initial_day
    company.last_day = max(company.days(), default=initial_day)
    return company
