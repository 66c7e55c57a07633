"""The landing folder: which export files exist, on which day each landed, and what changed.

Layout (docs/sources.md): the initial export sits directly in `<system>/<table>/`; daily
increments in `<system>/<table>/date=YYYY-MM-DD/`. The initial export carries no date of its own:
it counts as landed on `initial_export_day`. Files load in landing order (day, then path), which
is the order "a later record wins" refers to.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from dagster_project.metric_config import crm_source
from dagster_project.source_catalog import CrmSource, SourceTable, source_tables

_DATE_FOLDER = re.compile(r"^date=(\d{4}-\d{2}-\d{2})$")
# The first day the landing-day partitions know (extraction/partitions.py). Fixed in code, not
# read from the landing folder: see that module for why. Earlier than any SaaS export.
EARLIEST_LANDING_DAY = date(2000, 1, 1)
# The one setting for the day the initial export landed; `run_pipeline --first-landing-day` sets
# it for its run. Unset, the day comes from the landing folder (initial_export_day).
FIRST_LANDING_DAY_ENV = "REVOPS_FIRST_LANDING_DAY"


class LandingLayoutError(Exception):
    """A landing path breaks the layout; the message names it."""


@dataclass(frozen=True)
class LandingFile:
    path: Path
    relative: str  # to the landing folder, as stored in `_source_file`
    landing_date: date
    size_bytes: int
    modified_ns: int

    @property
    def fingerprint(self) -> tuple[int, int]:
        """What says a file changed since it was loaded: size and modification time."""
        return self.size_bytes, self.modified_ns

    @property
    def in_initial_export(self) -> bool:
        return not _DATE_FOLDER.match(self.path.parent.name)


def _increment_day(table_folder: Path, path: Path) -> date | None:
    """The `date=` folder's day of an increment file; None for a file of the initial export."""
    parts = path.relative_to(table_folder).parts
    if len(parts) == 1:
        return None
    match = _DATE_FOLDER.match(parts[0])
    if len(parts) != 2 or not match:
        raise LandingLayoutError(
            f"{path}: export files go directly in {table_folder} (initial export) or in "
            f"{table_folder}/date=YYYY-MM-DD/ (daily increments)"
        )
    try:
        day = date.fromisoformat(match.group(1))
    except ValueError as error:
        raise LandingLayoutError(f"{path}: {parts[0]} is not a calendar date") from error
    if day < EARLIEST_LANDING_DAY:
        raise LandingLayoutError(
            f"{path}: landing day {day} is before {EARLIEST_LANDING_DAY}, the first day of the "
            "landing-day partitions"
        )
    return day


def _export_files(table: SourceTable, landing_dir: Path) -> list[tuple[Path, date | None]]:
    """Every export file of one table with its increment day (None: the initial export).

    Hidden files are skipped: uploads in progress are commonly written as dot-files and renamed.
    """
    folder = landing_dir / table.landing_subdir
    return [
        (path, _increment_day(folder, path))
        for path in folder.rglob(f"*.{table.extension}")
        if not path.name.startswith(".") and path.is_file()
    ]


def _first_increment(landing_dir: Path, crm: CrmSource) -> tuple[date, Path] | None:
    """The earliest daily increment of any source table: its day and one of its files."""
    dated = [
        (day, path)
        for table in source_tables(crm)
        for path, day in _export_files(table, landing_dir)
        if day is not None
    ]
    return min(dated, default=None)


def first_landing_day_setting() -> date | None:
    value = os.environ.get(FIRST_LANDING_DAY_ENV, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise LandingLayoutError(
            f"{FIRST_LANDING_DAY_ENV}={value!r} is not a date (YYYY-MM-DD)"
        ) from error


def initial_export_day(landing_dir: Path, as_of: date, crm: CrmSource | None = None) -> date:
    """The day the undated initial export counts as landed (the tables of `crm`, by default the
    configured CRM, are those read), in this order:

    1. the setting `REVOPS_FIRST_LANDING_DAY`, when given (every increment must come after it);
    2. the day before the earliest daily increment of any table: an export is taken before the
       first day delivered after it, and it stays that day whatever lands later;
    3. without any increment, the run's as-of date: a lone export is the state of the sources
       on the day the warehouse reports on.

    Only inputs of the run decide it (files, setting, as-of date), never the clock, so a rerun
    gives the same landing days.
    """
    setting = first_landing_day_setting()
    first = _first_increment(landing_dir, crm or crm_source())
    if setting is None:
        day = first[0] - timedelta(days=1) if first else as_of
    elif first and first[0] <= setting:
        raise LandingLayoutError(
            f"{first[1]}: landing day {first[0]} is not after {setting}, the day the initial "
            f"export landed ({FIRST_LANDING_DAY_ENV}); daily increments follow the initial export"
        )
    else:
        day = setting
    if day < EARLIEST_LANDING_DAY:
        raise LandingLayoutError(
            f"the initial export in {landing_dir} would land on {day}, before "
            f"{EARLIEST_LANDING_DAY}, the first day of the landing-day partitions"
        )
    return day


def table_files(table: SourceTable, landing_dir: Path, initial_day: date) -> list[LandingFile]:
    """Every export file of one source table, in landing order; the initial export's files
    count as landed on `initial_day` (see initial_export_day)."""
    files = []
    for path, day in _export_files(table, landing_dir):
        stat = path.stat()
        files.append(
            LandingFile(
                path=path,
                relative=path.relative_to(landing_dir).as_posix(),
                landing_date=initial_day if day is None else day,
                size_bytes=stat.st_size,
                modified_ns=stat.st_mtime_ns,
            )
        )
    return sorted(files, key=lambda f: (f.landing_date, f.relative))


def landing_files(landing_dir: Path, as_of: date) -> list[LandingFile]:
    """Every file extraction would read, for a run as of `as_of`."""
    initial_day = initial_export_day(landing_dir, as_of)
    return [
        f
        for table in source_tables(crm_source())
        for f in table_files(table, landing_dir, initial_day)
    ]


def landing_dates(landing_dir: Path, as_of: date) -> list[date]:
    """The days on which any export file landed, oldest first."""
    return sorted({f.landing_date for f in landing_files(landing_dir, as_of)})
