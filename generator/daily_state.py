"""What the landing directory already holds, as DuckDB readers: the state a day continues.

Files are listed in delivery order (the initial export, then `date=` folders by date), and a
day only reads what was delivered before it, which keeps every day reproducible.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np

from dagster_project.source_catalog import SOURCE_TABLES, SourceTable
from dagster_project.sql_text import sql_text
from generator.common import HOUR

CATALOG = {table.raw_table: table for table in SOURCE_TABLES}
PARTITION_PREFIX = "date="


def epoch_day(day: date) -> int:
    """Epoch seconds of the day's midnight UTC."""
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def sql_list(paths: list[Path]) -> str:
    return "[" + ", ".join(sql_text(str(p)) for p in paths) + "]"


def _partition_date(folder: Path) -> date | None:
    if not folder.name.startswith(PARTITION_PREFIX):
        return None
    try:
        return date.fromisoformat(folder.name.removeprefix(PARTITION_PREFIX))
    except ValueError:
        return None


def last_landing_date(landing_dir: Path) -> date | None:
    """The latest `date=` folder of any table, None before the first increment."""
    dates = [_partition_date(p) for p in Path(landing_dir).glob(f"*/*/{PARTITION_PREFIX}*")]
    return max((d for d in dates if d is not None), default=None)


@dataclass(frozen=True)
class Landing:
    root: Path
    history_end: date

    def files(self, raw_table: str, before: date) -> list[Path]:
        """The table's files delivered before `before`, in delivery order."""
        table = CATALOG[raw_table]
        folder = self.root / table.landing_subdir
        initial = sorted(folder.glob(f"part-*.{table.extension}"))
        if not initial:
            raise FileNotFoundError(f"no initial export in {folder}: run revops-generate first")
        dated = sorted(
            (d, p)
            for p in folder.glob(f"{PARTITION_PREFIX}*/part-*.{table.extension}")
            if (d := _partition_date(p.parent)) is not None and d < before
        )
        return initial + [p for _, p in dated]

    def latest_files(self, raw_table: str, before: date) -> list[Path]:
        """Files holding the largest event id delivered before `before`: the two newest
        `date=` folders (the newest may hold only the previous day's late rows, and a day's
        largest id is never late), or everything while fewer than two exist."""
        files = self.files(raw_table, before)
        folders = sorted({p.parent for p in files if p.parent.name.startswith(PARTITION_PREFIX)})
        if len(folders) < 2:
            return files
        return [p for p in files if p.parent in folders[-2:]]

    def is_export(self, path: Path) -> bool:
        return not path.parent.name.startswith(PARTITION_PREFIX)

    def is_increment(self, day: date) -> bool:
        return day > self.history_end


def csv_edges(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """First and last records of a CSV file, read from its ends without parsing the rest.

    The generator writes event exports in time and id order, so a part's edges bound its
    times and its last record holds its largest id: a day's replay skips the export parts
    that cannot hold its source day (CSV has no statistics for DuckDB to prune with).
    """
    with path.open("rb") as handle:
        header = handle.readline()
        first = handle.readline()
        size = handle.seek(0, os.SEEK_END)
        handle.seek(max(0, size - 64 * 1024))
        last = handle.read().rstrip(b"\n").rsplit(b"\n", 1)[-1]
    names, head, tail = csv.reader([header.decode(), first.decode(), last.decode()])
    return dict(zip(names, head, strict=True)), dict(zip(names, tail, strict=True))


def reader(table: SourceTable, files: list[Path]) -> str:
    """A DuckDB table function over the files: JSON lines as one `json` column per record
    (patched as text, never retyped), CSV all text with the contract's columns, Parquet typed.
    Every reader adds `filename`, which ranks deliveries."""
    paths = sql_list(files)
    if table.file_format == "jsonl":
        return f"read_ndjson_objects({paths}, filename = true)"
    if table.file_format == "csv":
        columns = ", ".join(f"'{name}': 'VARCHAR'" for name in table.required_columns)
        return (
            f"read_csv({paths}, header = true, auto_detect = false, "
            f"columns = {{{columns}}}, filename = true)"
        )
    return f"read_parquet({paths}, filename = true)"


def file_rank(files: list[Path]) -> str:
    """SQL ranking `filename` by delivery order (1 = first delivered)."""
    return f"list_position({sql_list(files)}, filename)"


def office_time(rng: np.random.Generator, day_start: int, n: int) -> np.ndarray:
    """Moments on the given day between about 07:00 and 18:00 UTC (people at work)."""
    hours = 7.0 + 11.0 * rng.beta(2.5, 2.5, n)
    return day_start + (hours * HOUR).astype(np.int64)
