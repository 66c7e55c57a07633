"""Raw, handed over from the build warehouse to Spark as Parquet: what dbt's `spark` target reads.

Extraction stays where it is (DuckDB reads the landing files, applies the row rules, quarantines
and accounts for every row); this step writes each raw table, and the content of each
latest-version view, as a Parquet folder under `<spark dir>/raw/<table>/`. Event tables are
partitioned by landing day (`_landing_date=YYYY-MM-DD/`), so a cluster reads only the days a
query needs and a daily run could replace one day's folder. A table is written into a new folder
and swapped in by rename, so Spark never lists a half-written table. Nested values and JSON
travel as their JSON text, which the models read through the cross-database JSON macros.
Spark registers the folders as tables (dbt/macros/spark/register_raw_tables.sql).
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from dagster_project.source_catalog import SOURCE_TABLES
from dagster_project.sql_text import sql_identifier, sql_text

PARTITION_COLUMN = "_landing_date"
# Parquet carries these DuckDB types as they are; any other (JSON, STRUCT, LIST, MAP) as text.
_PLAIN_TYPES = (
    "VARCHAR",
    "BIGINT",
    "INTEGER",
    "SMALLINT",
    "TINYINT",
    "DOUBLE",
    "FLOAT",
    "BOOLEAN",
    "DATE",
    "TIMESTAMP",
    "TIMESTAMP WITH TIME ZONE",
    "DECIMAL",
)


@dataclass(frozen=True)
class HandedOver:
    """One raw relation written as Parquet."""

    name: str
    rows: int
    partitioned: bool


def export_expression(column: str, duckdb_type: str) -> str:
    """The column as Parquet should hold it: plain types as they are, the rest as JSON text."""
    quoted = sql_identifier(column)
    if duckdb_type == "JSON":
        return f"cast({quoted} as varchar) as {quoted}"
    if duckdb_type.startswith(_PLAIN_TYPES):
        return quoted
    return f"cast(to_json({quoted}) as varchar) as {quoted}"


def event_tables() -> set[str]:
    """The raw tables of events: partitioned by landing day."""
    return {table.raw_table for table in SOURCE_TABLES if table.kind == "event"}


def hand_over_raw(build_db: Path, raw_dir: Path) -> list[HandedOver]:
    """Write every raw table and view of `build_db` under `raw_dir`; returns what was written."""
    raw_dir.mkdir(parents=True, exist_ok=True)
    events = event_tables()
    written = []
    with duckdb.connect(str(build_db), read_only=True) as source:
        source.execute("set TimeZone = 'UTC'")
        relations = [
            row[0]
            for row in source.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'raw' order by 1"
            ).fetchall()
        ]
        for name in relations:
            written.append(_write(source, name, raw_dir, partitioned=name in events))
    return written


def _write(
    source: duckdb.DuckDBPyConnection, name: str, raw_dir: Path, partitioned: bool
) -> HandedOver:
    columns = source.execute(
        "select column_name, data_type from information_schema.columns "
        f"where table_schema = 'raw' and table_name = {sql_text(name)} order by ordinal_position"
    ).fetchall()
    select = ", ".join(export_expression(column, kind) for column, kind in columns)
    relation = f"raw.{sql_identifier(name)}"
    rows = source.execute(f"select count(*) from {relation}").fetchone()[0]
    # An empty events table has no landing day to partition by: one file keeps its columns.
    partitioned = partitioned and rows > 0
    final = raw_dir / name
    staged = raw_dir / f".{name}.writing"
    shutil.rmtree(staged, ignore_errors=True)
    if partitioned:
        options = f"format parquet, partition_by ({PARTITION_COLUMN})"
        target = staged
    else:
        staged.mkdir()
        options = "format parquet"
        target = staged / "part-0.parquet"
    source.execute(f"copy (select {select} from {relation}) to {sql_text(str(target))} ({options})")
    previous = raw_dir / f".{name}.previous"
    shutil.rmtree(previous, ignore_errors=True)
    if final.exists():
        final.rename(previous)
    staged.rename(final)
    shutil.rmtree(previous, ignore_errors=True)
    return HandedOver(name=name, rows=rows, partitioned=partitioned)


def hand_over(build_db: Path, raw_dir: Path) -> dict[str, object]:
    """hand_over_raw, timed; returns the rows per relation and the partitioned ones."""
    started = time.perf_counter()
    written = hand_over_raw(build_db, raw_dir)
    return {
        "handover_s": round(time.perf_counter() - started, 3),
        "rows": {item.name: item.rows for item in written},
        "partitioned": sorted(item.name for item in written if item.partitioned),
    }
