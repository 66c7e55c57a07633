"""History without harm: which days a command-line run covers, its as-of date, and whether it
replaces the served warehouse or builds a side one.

The served warehouse is what BI tools read. A run as of a date earlier than the served version
(`--as-of` in the past, or a backfill of past days) builds a side warehouse, a copy of the build
warehouse under `warehouse/side/as-of-<date>/`, and leaves the served one alone, unless the
person asks for it with `--publish`. A range reaching past the last landed day is as of the last
landed day, not of a day whose data has not arrived, and the run says so.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from dagster_project.paths import WarehousePaths

# Run tag: "served" or "side", so the UI tells history runs from the runs that published.
WAREHOUSE_TAG = "revops/warehouse"


@dataclass(frozen=True)
class RunPlan:
    """The landing days a run loads, the date it is as of, and whether it publishes."""

    first: date
    last: date
    as_of_date: date
    # False: a side warehouse; the served one stays as it is.
    publish: bool
    warnings: list[str] = field(default_factory=list)


def plan_run(
    landed: tuple[date, date],
    first: date | None = None,
    last: date | None = None,
    as_of: date | None = None,
    served_as_of: date | None = None,
    publish: bool = False,
) -> RunPlan:
    """`landed`: the first and last landing day present. Without `--as-of`, a run is as of the
    last day of its range, or of the last landed day when the range reaches past it."""
    first, last = first or landed[0], last or landed[1]
    warnings = []
    if as_of is None:
        as_of = min(last, landed[1])
        if last > landed[1]:
            warnings.append(
                f"nothing has landed after {landed[1]}: the range {first}..{last} reaches past "
                f"the landed days, so the run is as of {landed[1]}, the last landed day"
            )
    elif as_of > landed[1]:
        warnings.append(
            f"as of {as_of}, but nothing has landed after {landed[1]}: "
            "the metrics of the days between see no data"
        )
    rewinds = served_as_of is not None and as_of < served_as_of
    if rewinds and not publish:
        warnings.append(
            f"as of {as_of}, earlier than the served warehouse (as of {served_as_of}): "
            "building a side warehouse; the served one is unchanged (--publish replaces it)"
        )
    return RunPlan(first, last, as_of, publish=publish or not rewinds, warnings=warnings)


def served_as_of_date(published_db: Path) -> date | None:
    """The as-of date of the served warehouse; None before the first publish."""
    if not published_db.exists():
        return None
    with duckdb.connect(str(published_db), read_only=True) as con:
        found = con.execute(
            "select count(*) from duckdb_tables() "
            "where schema_name = 'meta' and table_name = 'warehouse_version'"
        ).fetchone()
        if not found or not found[0]:
            return None
        row = con.execute("select max(as_of_date) from meta.warehouse_version").fetchone()
    return row[0] if row else None


def side_paths(paths: WarehousePaths, as_of: date) -> tuple[Path, Path]:
    """The build and published files of a side warehouse as of `as_of`."""
    folder = paths.warehouse_dir / "side" / f"as-of-{as_of.isoformat()}"
    return folder / "build" / "revops.duckdb", folder / "revops.duckdb"


def prepare_side_build(paths: WarehousePaths, as_of: date) -> tuple[Path, Path]:
    """Start the side build from a copy of the build warehouse: the run then loads and rebuilds
    only what a run of the build warehouse would, not every landing day from scratch."""
    build, published = side_paths(paths, as_of)
    build.parent.mkdir(parents=True, exist_ok=True)
    for source, target in ((paths.build_db, build), (_wal(paths.build_db), _wal(build))):
        target.unlink(missing_ok=True)
        if source.exists():
            shutil.copyfile(source, target)
    return build, published


def _wal(database: Path) -> Path:
    # DuckDB's write-ahead log: a file not checkpointed yet is the two together.
    return database.with_name(database.name + ".wal")
