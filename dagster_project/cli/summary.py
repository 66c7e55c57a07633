"""The summary a run ends with: what was published, as of when, exact row counts of the public
tables, the headline metrics, and where the reports, the log and the UI are."""

from __future__ import annotations

from pathlib import Path

import duckdb

from dagster_project.cli.instance import dagster_home
from dagster_project.publishing.availability import availability_lines
from dagster_project.publishing.headline import read_headline
from dagster_project.quality.engine.report import report_dir
from dagster_project.sql_text import sql_identifier

PUBLIC_SCHEMA = "marts"
UI_URL = "http://127.0.0.1:3000"


def shown(path: Path) -> str:
    """A path as a person types it: relative to the working directory when under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def exact_row_counts(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int]]:
    """`count(*)` of every public table: duckdb_tables()'s estimated_size is an estimate."""
    tables = con.execute(
        "select table_name from duckdb_tables() where schema_name = ? order by table_name",
        [PUBLIC_SCHEMA],
    ).fetchall()
    counts = []
    for (table,) in tables:
        relation = f"{PUBLIC_SCHEMA}.{sql_identifier(table)}"
        counts.append(
            (
                f"{PUBLIC_SCHEMA}.{table}",
                con.execute(f"select count(*) from {relation}").fetchone()[0],
            )
        )
    return counts


def report_paths(published_db: Path) -> list[tuple[str, Path]]:
    """The reports published beside the warehouse, those that exist."""
    candidates = [
        ("metrics report", published_db.parent / "report" / "index.html"),
        ("quality report", report_dir(str(published_db)) / "index.html"),
    ]
    return [(name, path) for name, path in candidates if path.exists()]


def summary_lines(published_db: Path, served: bool = True) -> list[str]:
    """What the warehouse holds: version, exact row counts, availability, headline metrics."""
    with duckdb.connect(str(published_db), read_only=True) as con:
        run_id, as_of_date = con.execute(
            "select run_id, as_of_date from meta.warehouse_version"
        ).fetchone()
        counts = exact_row_counts(con)
        headline = read_headline(con, as_of_date)
        availability = availability_lines(con)
    kind = "published" if served else "side warehouse (the served one is unchanged)"
    lines = [f"{kind}: {shown(published_db)}", f"  as of {as_of_date}, run {run_id}"]
    lines += ["public tables (exact row counts)"]
    lines += [f"  {table:<48} {rows:>12,}" for table, rows in counts]
    lines += [*availability, "headline metrics", *headline.lines()]
    return lines


def where_lines(published_db: Path, log_path: Path) -> list[str]:
    """Where a person reads on: the reports, the run's log, the Dagster UI."""
    lines = [f"{name}: {shown(path)}" for name, path in report_paths(published_db)]
    return [
        *lines,
        f"run log: {shown(log_path)} (--verbose prints it here)",
        f"Dagster UI: `make dev` (or `dg dev`), then {UI_URL}; runs are recorded in "
        f"{shown(dagster_home())}",
    ]
