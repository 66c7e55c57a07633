"""The landing folder: which export files exist, on which day each landed, and what changed.

Layout (docs/sources.md): the initial export sits directly in `<system>/<table>/`; daily
increments in `<system>/<table>/date=YYYY-MM-DD/`. The initial export counts as landed on the var
`landing_start_date`. Files load in landing order (day, then path), which is the order "a later
record wins" refers to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from dagster_project.metric_config import landing_start_date
from dagster_project.source_catalog import SOURCE_TABLES, SourceTable

_DATE_FOLDER = re.compile(r"^date=(\d{4}-\d{2}-\d{2})$")


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


def _landing_date(table_folder: Path, path: Path) -> date:
    parts = path.relative_to(table_folder).parts
    if len(parts) == 1:
        return landing_start_date()
    match = _DATE_FOLDER.match(parts[0])
    if len(parts) != 2 or not match:
        raise LandingLayoutError(
            f"{path}: export files go directly in {table_folder} (initial export) or in "
            f"{table_folder}/date=YYYY-MM-DD/ (daily increments)"
        )
    try:
        return date.fromisoformat(match.group(1))
    except ValueError as error:
        raise LandingLayoutError(f"{path}: {parts[0]} is not a calendar date") from error


def table_files(table: SourceTable, landing_dir: Path) -> list[LandingFile]:
    """Every export file of one source table, in landing order.

    Hidden files are skipped: uploads in progress are commonly written as dot-files and renamed.
    """
    folder = landing_dir / table.landing_subdir
    files = []
    for path in folder.rglob(f"*.{table.extension}"):
        if path.name.startswith(".") or not path.is_file():
            continue
        stat = path.stat()
        files.append(
            LandingFile(
                path=path,
                relative=path.relative_to(landing_dir).as_posix(),
                landing_date=_landing_date(folder, path),
                size_bytes=stat.st_size,
                modified_ns=stat.st_mtime_ns,
            )
        )
    return sorted(files, key=lambda f: (f.landing_date, f.relative))


def landing_dates(landing_dir: Path) -> list[date]:
    """The days on which any export file landed, oldest first."""
    days = {f.landing_date for t in SOURCE_TABLES for f in table_files(t, landing_dir)}
    return sorted(days)
