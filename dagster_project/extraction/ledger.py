"""What a load must do: which landing files to read and which earlier rows to forget.

The ledger is `meta.loaded_files`, one row per loaded file with its size, mtime and row counts
(the accounting check's figures, and what incremental loads compare the landing folder with). Events
are replaced by landing day (a reprocessed day replaces its rows, never appends them twice);
objects load only files that are new or changed since the ledger, and forget files that left the
landing folder. Objects keep every version in `raw.<table>__versions`, and `raw.<table>` is the
view of the latest version per key, which is what staging reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from dagster_project.extraction.landing import LandingFile
from dagster_project.source_catalog import SourceTable
from dagster_project.sql_text import sql_text


@dataclass(frozen=True)
class LoadPlan:
    load: tuple[LandingFile, ...]
    # Files whose earlier rows leave raw: changed, gone, or in a reprocessed landing day.
    forget: tuple[str, ...]
    # Events: the landing days replaced, first and last included.
    days: tuple[date, date] | None = None
    # Events: files of days before / after `days` that were never loaded or changed since.
    behind: tuple[LandingFile, ...] = ()
    ahead: tuple[LandingFile, ...] = ()

    def describe(self) -> str:
        if self.days:
            return f"landing days {self.days[0]} to {self.days[1]}"
        return "new or changed files"


LEDGER = "meta.loaded_files"
LEDGER_DDL = (
    "create schema if not exists meta",
    f"""create table if not exists {LEDGER} (
        source_table varchar, source_file varchar, landing_date date, size_bytes bigint,
        modified_ns bigint, rows_read bigint, rows_loaded bigint, rows_quarantined bigint,
        loaded_at timestamp, primary key (source_table, source_file))""",
)
# The row rules each object table was last checked with (a digest): when they change (a new CRM
# mapping, a new rule), every file of the table is loaded again, so a row quarantined under the old
# rules (an unmapped deal stage) comes back once the new ones accept it.
RULES_LEDGER = "meta.table_rules"
RULES_LEDGER_DDL = (
    f"create table if not exists {RULES_LEDGER} (source_table varchar primary key, "
    "rules_digest varchar, loaded_at timestamp)",
)
# Where warehouses built before the rename keep their ledger.
OLD_LEDGER = "quarantine.load_audit"


def stored_table(table: SourceTable) -> str:
    """The table loads write: the events themselves, or every version of the objects."""
    if table.kind == "event":
        return f"raw.{table.raw_table}"
    return f"raw.{table.raw_table}__versions"


def table_exists(con: duckdb.DuckDBPyConnection, relation: str) -> bool:
    """Whether `schema.table` is a table.

    Values in this module's SQL are inlined (catalogue names and dates, no user text), not bound:
    on a large warehouse the first statement with parameters of a connection took 3-5 s (at
    scale M), and every extraction asset opens its own connection.
    """
    schema, name = (sql_text(part) for part in relation.split("."))
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() "
            f"where schema_name = {schema} and table_name = {name}"
        ).fetchone()[0]
    )


def latest_version_sql(table: SourceTable) -> str:
    """The latest version of each object: by its version column where the source has one (a
    late delivery of an older version does not win), then by delivery order."""
    order = ["_landing_date desc", "_source_file desc", "_source_line desc"]
    if table.version_column:
        order.insert(0, f'try_cast("{table.version_column}" as timestamptz) desc nulls last')
    keys = ", ".join(f'"{k}"' for k in table.key)
    return (
        f"select * from {stored_table(table)} "
        f"qualify row_number() over (partition by {keys} order by {', '.join(order)}) = 1"
    )


def migrate_ledger(con: duckdb.DuckDBPyConnection) -> None:
    """Bring the ledger of an older build warehouse to `meta.loaded_files`, once.

    A warehouse from before per-file ledgers is reloaded from scratch (its raw tables carry no
    landing day, so no day of it could be replaced); one from before the rename keeps every row,
    moved in one transaction. Run again, it finds nothing to do.
    """
    if not table_exists(con, OLD_LEDGER):
        return
    per_file = con.execute(
        "select count(*) from duckdb_columns() where schema_name = 'quarantine' "
        "and table_name = 'load_audit' and column_name = 'source_file'"
    ).fetchone()[0]
    con.execute("begin transaction")
    try:
        if per_file:
            for statement in LEDGER_DDL:
                con.execute(statement)
            con.execute(f"insert into {LEDGER} by name select * from {OLD_LEDGER}")
        else:
            con.execute("drop schema if exists raw cascade")
            con.execute("drop table if exists quarantine.rejected_rows")
        con.execute(f"drop table {OLD_LEDGER}")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def record_files(con: duckdb.DuckDBPyConnection, table: SourceTable, loaded_at_sql: str) -> None:
    """One ledger row per file of `_batch_files` (with its records read), less `_rejects`."""
    con.execute(
        f"""
        insert into {LEDGER}
        select {sql_text(table.raw_table)}, f.source_file, f.landing_date, f.size_bytes,
            f.modified_ns, f.rows_read, f.rows_read - coalesce(q.rows_quarantined, 0),
            coalesce(q.rows_quarantined, 0), {loaded_at_sql}
        from _batch_files as f
        left join (select _source_file as source_file, count(*) as rows_quarantined
            from _rejects group by 1) as q using (source_file)
        """
    )


def _ledger(con: duckdb.DuckDBPyConnection, table: SourceTable) -> dict[str, tuple[int, int, date]]:
    rows = con.execute(
        f"select source_file, size_bytes, modified_ns, landing_date from {LEDGER} "
        f"where source_table = '{table.raw_table}'"
    ).fetchall()
    return {path: (size, modified, day) for path, size, modified, day in rows}


def rules_changed(con: duckdb.DuckDBPyConnection, table: SourceTable, digest: str) -> bool:
    """Whether the table was loaded before under other row rules (or before they were recorded)."""
    stored = con.execute(
        f"select rules_digest from {RULES_LEDGER} where source_table = '{table.raw_table}'"
    ).fetchone()
    return bool(_ledger(con, table)) and (stored is None or stored[0] != digest)


def record_rules(
    con: duckdb.DuckDBPyConnection, table: SourceTable, digest: str, loaded_at_sql: str
) -> None:
    con.execute(
        f"insert or replace into {RULES_LEDGER} "
        f"values ('{table.raw_table}', '{digest}', {loaded_at_sql})"
    )


def plan_load(
    con: duckdb.DuckDBPyConnection,
    table: SourceTable,
    files: list[LandingFile],
    days: tuple[date, date] | None,
    reload_objects: bool = False,
) -> LoadPlan:
    """`reload_objects`: load every file of an object table again (its rules changed)."""
    ledger = _ledger(con, table)
    unloaded = [f for f in files if ledger.get(f.relative, ())[:2] != f.fingerprint]
    if table.kind == "event":
        if not files and not days:
            return LoadPlan((), ())
        first, last = days or (files[0].landing_date, files[-1].landing_date)
        load = tuple(f for f in files if first <= f.landing_date <= last)
        forget = tuple(path for path, (_, _, day) in ledger.items() if first <= day <= last)
        behind = tuple(f for f in unloaded if f.landing_date < first)
        ahead = tuple(f for f in unloaded if f.landing_date > last)
        return LoadPlan(load, forget, (first, last), behind, ahead)
    load = tuple(files) if reload_objects else tuple(unloaded)
    present = {f.relative for f in files} - {f.relative for f in load}
    return LoadPlan(load, tuple(path for path in ledger if path not in present))


def forget(con: duckdb.DuckDBPyConnection, table: SourceTable, target: str, plan: LoadPlan) -> None:
    """Remove what the plan's files loaded before, from raw, quarantine and the ledger."""
    gone = [*plan.forget, *(f.relative for f in plan.load)]
    if not gone and not plan.days:
        return
    con.execute("create or replace temp table _forget (source_file varchar)")
    if gone:
        paths = ", ".join(f"({sql_text(path)})" for path in gone)
        con.execute(f"insert into _forget values {paths}")
    exists = table_exists(con, target)
    if exists and plan.days:
        # By file too: a file loaded before under another landing day (an initial export first
        # dated by the as-of date, then by the day before the first increment) leaves with it.
        first, last = (day.isoformat() for day in plan.days)
        con.execute(
            f"delete from {target} where _landing_date between '{first}' and '{last}' "
            "or _source_file in (select source_file from _forget)"
        )
    elif exists:
        con.execute(f"delete from {target} where _source_file in (select source_file from _forget)")
    for ledger_table in ("quarantine.rejected_rows", LEDGER):
        con.execute(
            f"delete from {ledger_table} where source_table = '{table.raw_table}' "
            "and source_file in (select source_file from _forget)"
        )
    con.execute("drop table _forget")
