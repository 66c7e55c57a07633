"""Durable cursors and atomic landing-day files.

A table's cursor is kept per synced day: the sync of day D starts from the cursor left by the
newest earlier day, so syncing D again fetches the same window and writes the same file. A
window starts `overlap` before the previous end (clock skew between the API's timestamps and
ours); records already delivered at the same version in that overlap are not delivered twice.

Order of writes: every table's file for the day is written to a hidden temporary file, fsynced
and renamed into place (the folder fsynced too); only then is the state file replaced the same
way. A sync killed before that leaves the cursors where they were, so the next sync fetches the
same window again and rewrites the same files: no gap, no duplicate.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

Record = dict[str, Any]
STATE_FILE = "_sync_state.json"


@dataclass
class TableCursor:
    """Where a table's sync of one day ended: the window's end, what it delivered in the last
    `overlap` before it (id -> version), and any API cursor (Stripe's last event id)."""

    until: int
    seen: dict[str, int] = field(default_factory=dict)
    position: str | None = None


@dataclass
class Window:
    """What the sync of one day asks the API for: versions in [start, end)."""

    start: int | None  # None: the first sync of the table, a full one
    end: int
    previous: TableCursor | None

    def delivered(self, record_id: str, version: int) -> bool:
        """Already delivered at this version by an earlier day (inside the overlap)."""
        return self.previous is not None and self.previous.seen.get(record_id) == version

    def cursor(
        self, versions: dict[str, int], overlap: int, position: str | None = None
    ) -> TableCursor:
        """The cursor after this window: `versions` are the records it fetched."""
        since = self.end - overlap
        seen = dict(self.previous.seen) if self.previous else {}
        seen.update(versions)
        return TableCursor(
            self.end, {k: v for k, v in sorted(seen.items()) if v >= since}, position
        )


class SyncState:
    """The cursors of one system, in `<landing>/<system>/_sync_state.json`."""

    def __init__(self, landing_dir: Path, system: str) -> None:
        self.path = landing_dir / system / STATE_FILE
        self.tables: dict[str, dict[str, TableCursor]] = {}
        if self.path.exists():
            stored = json.loads(self.path.read_text(encoding="utf-8"))
            self.tables = {
                table: {day: TableCursor(**cursor) for day, cursor in days.items()}
                for table, days in stored["tables"].items()
            }

    def window(self, table: str, day: date, end: int, overlap: int) -> Window:
        earlier = [d for d in self.tables.get(table, {}) if d < day.isoformat()]
        if not earlier:
            return Window(None, end, None)
        previous = self.tables[table][max(earlier)]
        return Window(previous.until - overlap, end, previous)

    def is_first_sync(self) -> bool:
        return not self.tables

    def advance(self, day: date, cursors: dict[str, TableCursor]) -> None:
        for table, cursor in cursors.items():
            self.tables.setdefault(table, {})[day.isoformat()] = cursor
        payload = {
            "tables": {
                table: {d: vars(c) for d, c in sorted(days.items())}
                for table, days in sorted(self.tables.items())
            }
        }
        write_atomically(self.path, (json.dumps(payload, indent=1) + "\n").encode())


def write_atomically(path: Path, content: bytes) -> None:
    """Replace `path` with `content`: a hidden temporary file, fsynced, renamed, folder fsynced."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def write_landing_day(
    landing_dir: Path, system: str, day: date, tables: dict[str, list[Record]]
) -> dict[str, int]:
    """Write each table's records of the day as `<system>/<table>/date=<day>/part-0000.jsonl`.

    A table without records that day gets no file (the contract's rule), and a file an earlier
    sync of the same day left is removed, so the folder holds exactly this sync's records.
    """
    written = {}
    for table, records in tables.items():
        path = landing_dir / system / table / f"date={day.isoformat()}" / "part-0000.jsonl"
        if records:
            lines = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records)
            write_atomically(path, lines.encode())
        elif path.exists():
            path.unlink()
        written[table] = len(records)
    return written
