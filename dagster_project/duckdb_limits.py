"""DuckDB's memory limit and threads, the same in every process that opens the warehouse.

dbt's profile sets them for the dbt step (dbt/profiles.yml, from the same variables and
defaults); extraction, the quality checks and publish open the warehouse through `connect` here.
Without a limit DuckDB may take 80% of the machine's memory: a large load or copy then grows
instead of spilling to `<warehouse>.tmp/`. Set on the connection rather than passed as
`config`: DuckDB refuses a second connection to an open file under another configuration, and
a setting changes the database instance all its connections share.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

# The defaults of dbt/profiles.yml: 6 GB leaves a process room under 8 GB.
DEFAULT_MEMORY_LIMIT = "6GB"
DEFAULT_THREADS = 2


def memory_limit() -> str:
    return os.environ.get("REVOPS_DUCKDB_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT


def threads() -> int:
    return int(os.environ.get("REVOPS_DUCKDB_THREADS") or DEFAULT_THREADS)


def apply_limits(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    # Inlined, not bound: SET takes no parameters. The limit is DuckDB's own syntax ("6GB").
    con.execute(f"set memory_limit = '{memory_limit().replace(chr(39), '')}'")
    con.execute(f"set threads = {threads()}")
    return con


def connect(database: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection to `database` under the warehouse's memory limit and threads."""
    return apply_limits(duckdb.connect(str(database), read_only=read_only))
