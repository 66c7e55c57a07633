"""The public marts as Parquet files, for tools that cannot open a DuckDB file.

Each published version writes `<warehouse dir>/parquet/<run id>/<table>.parquet`, then points
the symlink `parquet/current` at it with one rename, so a reader of `parquet/current/` sees one
version's files, never a mix. The previous version stays on disk until the next publish, so a
reader that resolved `current` just before the switch still finds its files.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from dagster_project import duckdb_limits
from dagster_project.sql_text import sql_identifier, sql_text

CURRENT = "current"


def parquet_dir(published: Path) -> Path:
    return published.parent / "parquet"


def export_marts(served: Path, root: Path, version: str) -> Path:
    """Write every table of schema `marts` in `served` to `root/<version>/`; returns the folder."""
    folder = root / version
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    with duckdb_limits.connect(served, read_only=True) as con:
        tables = con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
        ).fetchall()
        for (table,) in tables:
            target = sql_text(str(folder / f"{table}.parquet"))
            con.execute(
                f"copy marts.{sql_identifier(table)} to {target} (format parquet, compression zstd)"
            )
    return folder


def switch_current(root: Path, version: str) -> None:
    """Point `root/current` at `version` atomically, then drop versions older than the last."""
    previous = os.readlink(root / CURRENT) if (root / CURRENT).is_symlink() else None
    staged = root / f".{CURRENT}.{version}.tmp"
    staged.unlink(missing_ok=True)
    staged.symlink_to(version, target_is_directory=True)
    os.replace(staged, root / CURRENT)
    for entry in root.iterdir():
        if entry.is_dir() and not entry.is_symlink() and entry.name not in {version, previous}:
            shutil.rmtree(entry)
