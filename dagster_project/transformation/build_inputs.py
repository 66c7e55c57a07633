"""What a build is made of, as one digest: when a run's inputs are those the published warehouse
was built from, the run has nothing to build, check or publish.

A build is determined by four things, and the digest covers each:
- the as-of date;
- the code and definitions: the dbt project's files (models, macros, seeds, tests, vars) and the
  pipeline's Python, so an upgrade rebuilds even on unchanged data;
- which landing files raw holds: the ledger's files with their size, modification time and row
  counts (not when they were loaded: a reprocessed day of the same files is the same input);
- the row rules and the CRM configuration extraction applied (`meta.table_rules`, the mapping
  and reps tables).
The published warehouse keeps the digest it was built from in `meta.warehouse_version`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import duckdb

from dagster_project import duckdb_limits
from dagster_project.extraction.crm_config import MAPPING_TABLE, REPS_TABLE
from dagster_project.extraction.ledger import LEDGER, RULES_LEDGER, table_exists
from dagster_project.paths import DBT_PROJECT_DIR

PACKAGE_DIR = Path(__file__).resolve().parent.parent
DBT_SOURCE_DIRS = ("models", "macros", "seeds", "tests", "snapshots", "analyses")
# Each input table, as the query whose rows are hashed (loaded_at left out on purpose).
INPUT_QUERIES = {
    LEDGER: f"select source_table, source_file, landing_date, size_bytes, modified_ns, "
    f"rows_read, rows_loaded, rows_quarantined from {LEDGER}",
    RULES_LEDGER: f"select source_table, rules_digest from {RULES_LEDGER}",
    MAPPING_TABLE: f"select * from {MAPPING_TABLE}",
    REPS_TABLE: f"select * from {REPS_TABLE}",
}


def _code_files() -> Iterable[Path]:
    yield DBT_PROJECT_DIR / "dbt_project.yml"
    for folder in DBT_SOURCE_DIRS:
        yield from sorted(p for p in (DBT_PROJECT_DIR / folder).rglob("*") if p.is_file())
    yield from sorted(PACKAGE_DIR.rglob("*.py"))


def code_digest() -> str:
    """The dbt project's files and the pipeline's Python, names and bytes."""
    digest = hashlib.sha256()
    for path in _code_files():
        if path.exists():
            digest.update(str(path.relative_to(PACKAGE_DIR.parent)).encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _table_digest(con: duckdb.DuckDBPyConnection, relation: str, query: str) -> str:
    if not table_exists(con, relation):
        return "absent"
    # Each row as text, in a fixed order: the digest does not depend on how rows were stored.
    return con.execute(
        f"select coalesce(md5(string_agg(row_text, chr(10) order by row_text)), '') "
        f"from (select t::varchar as row_text from ({query}) as t)"
    ).fetchone()[0]


def inputs_digest(con: duckdb.DuckDBPyConnection, as_of_date: str) -> str:
    """The digest of what a build of the warehouse behind `con` would read, as of a date."""
    digest = hashlib.sha256(f"as_of={as_of_date}\ncode={code_digest()}\n".encode())
    for relation, query in INPUT_QUERIES.items():
        digest.update(f"{relation}={_table_digest(con, relation, query)}\n".encode())
    return digest.hexdigest()


def published_inputs_digest(published: Path) -> tuple[str, str] | None:
    """(digest, run id) the published warehouse was built from; None when nothing is published
    or it was published before digests were kept."""
    if not published.exists():
        return None
    with duckdb_limits.connect(published, read_only=True) as con:
        columns = {
            name
            for (name,) in con.execute(
                "select column_name from duckdb_columns() "
                "where schema_name = 'meta' and table_name = 'warehouse_version'"
            ).fetchall()
        }
        if "inputs_digest" not in columns:
            return None
        row = con.execute("select inputs_digest, run_id from meta.warehouse_version").fetchone()
    return (row[0], row[1]) if row and row[0] else None
