"""History without harm: which days a command-line run covers, its as-of date, and whether it
replaces the served warehouse or builds a side one.

The served warehouse is what BI tools read. A run as of a date earlier than the served version
(`--as-of` in the past, or a backfill of past days) builds a side warehouse of its own under
`warehouse/side/as-of-<date>/` and leaves the served one and its build alone, unless the person
asks for it with `--publish`. A range reaching past the last landed day is as of the last
landed day, not of a day whose data has not arrived, and the run says so.
"""

from __future__ import annotations

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
    """The side warehouse's files, its build emptied: it is built from the landing files alone.

    Not from the build warehouse: with no dated increments the initial export counts as landed
    on the run's as-of date, so in a copy its events would sit under two landing days (the
    served run's and this one's) and fail the staging keys. Nor from an earlier side build of
    the same date, which a failed run may have left half loaded: history is rare, a clean build
    costs one first load.
    """
    build, published = side_paths(paths, as_of)
    build.parent.mkdir(parents=True, exist_ok=True)
    for stale in (build, build.with_name(build.name + ".wal")):
        stale.unlink(missing_ok=True)
    return build, published
