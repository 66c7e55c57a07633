"""Before anything loads: does the landing folder hold the minimal company?

Every source table the catalogue marks `required` must have at least one file with a record;
the others may be absent or empty (source_catalog.py). One look at the whole landing folder names
every missing required table at once, rather than the first one a load trips over, and nothing
is loaded (the build and published warehouses stay as they were).

Only presence is checked here, cheaply (the first record of each file at most): parsing and row
rules are the loader's, which names file and line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from dagster_project.extraction.landing import EARLIEST_LANDING_DAY, LandingFile, table_files
from dagster_project.metric_config import crm_source
from dagster_project.source_catalog import SourceTable, source_tables
from dagster_project.sql_text import sql_text


class MissingSourcesError(Exception):
    """Required source tables hold no records; the message names every one."""


@dataclass(frozen=True)
class SourcePresence:
    table: SourceTable
    files: int
    holds_records: bool

    @property
    def problem(self) -> str:
        """Why the table counts as absent (empty when it holds records)."""
        if self.holds_records:
            return ""
        if not self.files:
            return f"no *.{self.table.extension} files in <landing>/{self.table.landing_subdir}/"
        return f"its {self.files} file(s) hold no records"


def _has_text_line(path: Path, skip: int) -> bool:
    """Whether a non-blank line follows the first `skip` lines (a CSV header)."""
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle):
            if number >= skip and line.strip():
                return True
    return False


def _holds_records(table: SourceTable, file: LandingFile) -> bool:
    if file.size_bytes == 0:
        return False
    if table.file_format == "parquet":
        try:
            rows = duckdb.sql(
                f"select sum(num_rows) from parquet_file_metadata({sql_text(str(file.path))})"
            ).fetchone()[0]
        except duckdb.Error:
            # Not readable as Parquet: the loader names the file and the error.
            return True
        return bool(rows)
    return _has_text_line(file.path, skip=1 if table.file_format == "csv" else 0)


def survey_landing(landing_dir: Path) -> list[SourcePresence]:
    """Every catalogue table: how many files it has and whether any holds a record."""
    presence = []
    for table in source_tables(crm_source()):
        # Which day each file landed does not matter here, only whether any holds a record.
        files = table_files(table, landing_dir, EARLIEST_LANDING_DAY)
        holds = any(_holds_records(table, file) for file in files)
        presence.append(SourcePresence(table, len(files), holds))
    return presence


def check_required_sources(landing_dir: Path) -> list[SourcePresence]:
    """The survey of the landing folder; raises naming every required table without records."""
    presence = survey_landing(landing_dir)
    missing = [p for p in presence if p.table.availability == "required" and not p.holds_records]
    if missing:
        names = "; ".join(f"{p.table.raw_table} ({p.problem})" for p in missing)
        raise MissingSourcesError(
            f"{len(missing)} required source table(s) hold no records in {landing_dir}: {names}. "
            "A company needs at least these; docs/sources.md lists what each table is."
        )
    return presence
