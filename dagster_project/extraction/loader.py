"""Load one source table's landing files into `raw.<system>_<table>`, all or nothing.

Raw keeps exports as they were: JSON-lines scalars as VARCHAR and nested objects as JSON, CSV as
VARCHAR, Parquet as typed. Staging casts. Every row carries its file and the file line its record
starts on (for Parquet, the row number), so any later error or quarantine can name where a value
came from (extraction/file_lines.py).

A file with no records (empty, blank lines, a CSV header only) is a valid "no records". A source
table that is absent or holds no records gets an empty table with its contract's columns and raw
types (source_catalog.py), so staging builds on it; required tables never get that far (the run's
preflight, extraction/preflight.py, stops first).
"""

from __future__ import annotations

import csv
import hashlib
import re
import tempfile
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from dagster_project.extraction.crm_mapping import CrmMapping, load_crm_mapping
from dagster_project.extraction.file_lines import first_problem, record_lines, without_bom
from dagster_project.extraction.landing import LandingFile, initial_export_day, table_files
from dagster_project.extraction.ledger import (
    LEDGER_DDL,
    RULES_LEDGER_DDL,
    LoadPlan,
    forget,
    latest_version_sql,
    migrate_ledger,
    plan_load,
    record_files,
    record_rules,
    rules_changed,
    stored_table,
    table_exists,
)
from dagster_project.extraction.quarantine import (
    QUARANTINE_DDL,
    Accounting,
    accounting,
    no_rejects,
    quarantine_earlier_orphans,
    quarantine_rejects,
)
from dagster_project.extraction.rules import Rule, table_rules
from dagster_project.metric_config import crm_source, default_as_of_date
from dagster_project.source_catalog import SALESFORCE_MAPPED_OBJECTS, CrmSource, SourceTable
from dagster_project.sql_text import sql_identifier, sql_text

# What every raw row carries besides the export's own columns.
LINEAGE_COLUMNS = {
    "_source_file": "VARCHAR",
    "_source_line": "BIGINT",
    "_loaded_at": "TIMESTAMP",
    "_landing_date": "DATE",
}
_NO_RECORDS = "select cast(null as bigint) as _source_line where false"


class ExtractionError(Exception):
    """A landing file cannot be loaded; the message names the file and, where known, the line."""


@dataclass(frozen=True)
class LoadResult:
    table: str
    files: tuple[str, ...]
    columns: tuple[str, ...]
    rows_per_file: dict[str, int]
    accounting: Accounting
    # Schema drift: columns this load carried into raw that the previous load did not have.
    new_columns: tuple[str, ...] = ()
    # Files whose earlier rows left raw (changed, removed from landing, or reprocessed).
    forgotten_files: tuple[str, ...] = ()
    # Events: landing days after the run's range with files not loaded yet, left for a later run.
    later_days: tuple[date, ...] = ()

    @property
    def rows(self) -> int:
        """Rows loaded into raw (rows read minus rows quarantined)."""
        return self.accounting.rows_loaded


def _json_path(key: str) -> str:
    return '$."' + key.replace('"', '\\"') + '"'


def _jsonl_select(con: duckdb.DuckDBPyConnection, path: Path, shown: Path) -> str:
    """A select over one JSON-lines file with one column per top-level key.

    Each record is parsed three times whatever its number of keys (once for its keys, once for
    their types, once for the values through one list of paths): a json function per key would
    parse it once per key, the main cost of loading wide JSON at scale.
    """
    con.execute(
        "create or replace temp table _records as "
        "select row_number() over () as _source_line, json as _record "
        f"from read_ndjson_objects({sql_text(str(path))})"
    )
    # The distinct key lists are few (one per record shape); columns follow first appearance.
    shapes = con.execute(
        "select json_keys(_record) as keys, min(_source_line) from _records group by 1"
    ).fetchall()
    first_seen: dict[str, tuple[int, int]] = {}
    for keys, first_line in shapes:
        for position, key in enumerate(keys):
            seen = first_seen.get(key, (first_line, position))
            first_seen[key] = (min(seen[0], first_line), min(seen[1], position))
    if "" in first_seen:
        # A column needs a name; DuckDB cannot even address the value ("JSON path error").
        raise ExtractionError(
            f"{shown}: line {_file_line(con, path, first_seen[''][0])}: a record has an empty "
            'key ""; every key of a record names a column'
        )
    keys = sorted(first_seen, key=first_seen.__getitem__)
    if not keys:
        return "select _source_line from _records"
    paths = "[" + ", ".join(sql_text(_json_path(key)) for key in keys) + "]"
    # A key is JSON when any record holds an object or array there; otherwise it is text.
    flags = ", ".join(
        f"bool_or(types[{index}] in ('OBJECT', 'ARRAY'))" for index in range(1, len(keys) + 1)
    )
    nested_flags = con.execute(
        f"select {flags} from (select json_type(_record, {paths}) as types from _records)"
    ).fetchone()
    nested = [key for key, flag in zip(keys, nested_flags, strict=True) if flag]
    text = [key for key in keys if key not in nested]
    # One list per kind of value, parsed once; each column is then an element of its list.
    element = {key: f"_text[{i}]" for i, key in enumerate(text, start=1)}
    element |= {key: f"_nested[{i}]" for i, key in enumerate(nested, start=1)}
    lists = [
        f"{function}(_record, [{', '.join(sql_text(_json_path(k)) for k in subset)}]) as {alias}"
        for function, subset, alias in (
            ("json_extract_string", text, "_text"),
            ("json_extract", nested, "_nested"),
        )
        if subset
    ]
    columns = [f"{element[key]} as {sql_identifier(key)}" for key in keys]
    return (
        f"select {', '.join([*columns, '_source_line'])} "
        f"from (select {', '.join(lists)}, _source_line from _records)"
    )


def _csv_select(path: Path) -> str:
    """A select over one CSV file; the header read here, so DuckDB parses strictly by line.

    Records are numbered from line 2, after the header: the file's lines whenever each record
    is one line (extraction/file_lines.py), so most files need no second pass to renumber them.

    Hive partitioning off: DuckDB would otherwise read the `date=` folder as a `date` column
    and overwrite the file's own (FX rates have one).
    """
    # utf-8-sig: a byte-order mark is not part of the first column's name.
    with path.open(newline="", encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle), None)
    if not header:
        return _NO_RECORDS
    columns = ", ".join(f"{sql_text(name)}: 'VARCHAR'" for name in header)
    return (
        f"select *, row_number() over () + 1 as _source_line from read_csv({sql_text(str(path))}, "
        f"header = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"', "
        f"strict_mode = true, columns = {{{columns}}}, hive_partitioning = false)"
    )


def _parquet_select(path: Path) -> str:
    # Not hive partitioning: DuckDB would read a `date=` folder's name as a `date` column.
    return (
        f"select * exclude (file_row_number), file_row_number + 1 as _source_line "
        f"from read_parquet({sql_text(str(path))}, file_row_number = true, "
        "hive_partitioning = false)"
    )


def _file_select(
    con: duckdb.DuckDBPyConnection, table: SourceTable, path: Path, shown: Path
) -> str:
    """A select over the file at `path`, named `shown` in errors (`path` may be a copy)."""
    if path.stat().st_size == 0:
        return _NO_RECORDS
    if table.file_format == "jsonl":
        return _jsonl_select(con, path, shown)
    if table.file_format == "csv":
        return _csv_select(path)
    return _parquet_select(path)


def _stage_file(
    con: duckdb.DuckDBPyConnection, table: SourceTable, file: LandingFile, temp_name: str
) -> int:
    """Parse one file into a temp relation; return its row count (0: a file with no records).

    Parquet stays a view over the file: it is columnar, typed and cheap to scan again, so
    copying it (the largest tables are Parquet) would only double the work. Text formats are
    parsed once into a temp table, since every later pass would parse them again.
    """
    kind = "view" if table.file_format == "parquet" else "table"
    path = file.path
    try:
        # DuckDB's CSV reader skips a byte-order mark itself; its JSON reader does not.
        bom_free = without_bom(path) if table.file_format == "jsonl" else nullcontext(path)
        with bom_free as readable:
            select = _file_select(con, table, readable, path)
            con.execute(
                f"create or replace temp {kind} {temp_name} as "
                f"select *, {sql_text(file.relative)} as _source_file, "
                f"date '{file.landing_date.isoformat()}' as _landing_date from ({select})"
            )
        rows = con.execute(f"select count(*) from {temp_name}").fetchone()[0]
    except duckdb.Error as error:
        problem = _parse_problem(table, path, error)
        raise ExtractionError(f"{path}: cannot be parsed: {problem}") from error
    except UnicodeDecodeError:
        # The CSV header, read here: the same diagnosis names the line and the byte.
        problem = first_problem(path, table.file_format) or "not valid UTF-8"
        raise ExtractionError(f"{path}: cannot be parsed: {problem}") from None
    if rows and table.file_format != "parquet":
        _number_file_lines(con, temp_name, path, table.file_format, rows)
    columns = _columns(con, temp_name)
    # A JSON-lines file without records declares no columns; a CSV header or Parquet schema does.
    declares_columns = set(columns) - {*LINEAGE_COLUMNS, "_source_line"}
    missing = [c for c in table.required_columns if c not in columns]
    if missing and (rows or declares_columns):
        raise ExtractionError(
            f"{path}: required column '{missing[0]}' is missing "
            f"({table.raw_table} needs {', '.join(table.required_columns)})"
        )
    absent = [c for c in table.other_columns if c not in columns]
    if rows and absent and table.system == "salesforce":
        # SOQL returns every field it selects, null when empty: a field is left out only by an
        # org that does not have it (a custom field), and reads as null, as in HubSpot's
        # `properties`, rather than failing the rules and staging that name it.
        types = table.contract_columns
        for column in absent:
            con.execute(
                f"alter table {temp_name} add column {sql_identifier(column)} {types[column]}"
            )
    return rows


def _parse_problem(table: SourceTable, path: Path, error: duckdb.Error) -> str:
    """The first bad line of the file, found by reading it again; else DuckDB's own message,
    its first line only (after an unbalanced quote it goes on with the rest of the file)."""
    found = first_problem(path, table.file_format)
    if found:
        return found
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return first_line[:300]


def _number_file_lines(
    con: duckdb.DuckDBPyConnection, temp_name: str, path: Path, file_format: str, rows: int
) -> None:
    """Turn DuckDB's record numbers into the file's lines (extraction/file_lines.py)."""
    lines = record_lines(path, file_format, rows)
    if lines is None:
        return
    # A CSV's records were numbered from 2, after its header (`_csv_select`).
    first = 2 if file_format == "csv" else 1
    # Through a file: a Python list as a parameter makes DuckDB import pandas, and a list
    # literal of many numbers is slow to parse (seconds for 300k lines).
    with tempfile.TemporaryDirectory(prefix="revops-lines-") as folder:
        numbers = Path(folder) / "lines.csv"
        numbers.write_text("\n".join(map(str, lines)) + "\n", encoding="utf-8")
        con.execute(
            "create or replace temp table _file_lines as select line, "
            "row_number() over () as record from read_csv("
            f"{sql_text(str(numbers))}, header = false, columns = {{'line': 'BIGINT'}})"
        )
    con.execute(
        f"update {temp_name} set _source_line = l.line from _file_lines as l "
        f"where {temp_name}._source_line = l.record + {first - 1}"
    )
    con.execute("drop table _file_lines")


def _file_line(con: duckdb.DuckDBPyConnection, path: Path, record: int) -> int:
    """The file line of a record DuckDB numbered `record`."""
    lines = record_lines(path, "jsonl", con.execute("select count(*) from _records").fetchone()[0])
    return lines[record - 1] if lines else record


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    return [
        row[0] for row in con.execute(f"select column_name from (describe {relation})").fetchall()
    ]


def load_source_table(
    con: duckdb.DuckDBPyConnection,
    table: SourceTable,
    landing_dir: Path,
    loaded_at: datetime,
    days: tuple[date, date] | None = None,
    as_of: date | None = None,
    crm: CrmSource | None = None,
) -> LoadResult:
    """Bring raw.<table> up to date with the landing files, in one transaction.

    Events: the landing days `days` (default: every day) are replaced by what their files hold
    now; a day before them whose files were never loaded (or changed since) stops the load,
    named, since loading past it would break the order deliveries are compared in. Objects:
    files new or changed since the ledger (meta.loaded_files) are loaded and files gone from the
    landing folder are forgotten; every version is kept. Rows breaking a rule go to quarantine
    (extraction/quarantine.py) in the same transaction; a file that cannot be parsed at all
    rolls everything back and names the file and line. `as_of` (default: dbt's `as_of_date`)
    dates an initial export that has no increment after it (landing.initial_export_day). CRM
    tables are read under the landing folder's CRM mapping (extraction/crm_mapping.py); when an
    object table's rules change, all of its files load again. `crm` (default: the `crm_source`
    setting) is the company's CRM, which the other systems' references point into.
    """
    mapping = load_crm_mapping(landing_dir)
    rules = table_rules(table.raw_table, mapping, crm or crm_source())
    digest = hashlib.sha256(repr(rules).encode()).hexdigest()[:16]
    as_of = as_of or date.fromisoformat(default_as_of_date())
    files = table_files(table, landing_dir, initial_export_day(landing_dir, as_of, crm))
    if not files and table.availability == "required":
        folder = landing_dir / table.landing_subdir
        raise ExtractionError(
            f"{table.raw_table}: no *.{table.extension} files in {folder} "
            f"(expected layout: <landing>/{table.landing_subdir}/<name>.{table.extension}); "
            "a required source table"
        )
    migrate_ledger(con)
    for statement in (
        *QUARANTINE_DDL,
        *LEDGER_DDL,
        *RULES_LEDGER_DDL,
        "create schema if not exists raw",
    ):
        con.execute(statement)
    target = stored_table(table)
    previous_columns = _existing_columns(con, target) if _has_rows(con, target) else set()
    loaded_at_sql = f"{sql_text(loaded_at.isoformat(sep=' '))}::timestamp"
    con.execute("begin transaction")
    try:
        reload_objects = table.kind == "object" and rules_changed(con, table, digest)
        plan = plan_load(con, table, files, days, reload_objects)
        if plan.behind:
            raise ExtractionError(_behind_message(table, plan))
        forget(con, table, target, plan)
        accounting, rows_per_file = (
            _load_files(con, table, target, plan.load, loaded_at_sql, (mapping, rules))
            if plan.load
            else (Accounting(0, 0, 0, ()), {})
        )
        quarantine_earlier_orphans(con, table, rules, target, loaded_at_sql)
        if table.kind == "object":
            record_rules(con, table, digest, loaded_at_sql)
        if not _existing_columns(con, target):
            if files and not plan.load:
                raise ExtractionError(
                    f"{table.raw_table}: nothing has landed for {plan.describe()} and the table "
                    f"was never loaded; load from {files[0].landing_date} first"
                )
            # Absent, or every file without records: the contract's empty table.
            _create_empty_table(con, table, target)
        if table.kind == "object" and (plan.load or not files):
            con.execute(
                f"create or replace view raw.{table.raw_table} as {latest_version_sql(table)}"
            )
        columns = _columns(con, target)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return LoadResult(
        table=table.raw_table,
        files=tuple(f.relative for f in plan.load),
        columns=tuple(columns),
        rows_per_file=rows_per_file,
        accounting=accounting,
        new_columns=tuple(c for c in columns if previous_columns and c not in previous_columns),
        forgotten_files=plan.forget,
        later_days=tuple(sorted({f.landing_date for f in plan.ahead})),
    )


def _behind_message(table: SourceTable, plan: LoadPlan) -> str:
    days = sorted({f.landing_date for f in plan.behind})
    folders = sorted({str(f.path.parent) for f in plan.behind})
    shown = ", ".join(folders[:3]) + (f" and {len(folders) - 3} more" if len(folders) > 3 else "")
    return (
        f"{table.raw_table}: {plan.describe()} asked for, but {len(days)} earlier landing "
        f"day(s) from {days[0]} to {days[-1]} hold files never loaded or changed since their "
        f"load ({shown}); load them first (run_pipeline --from {days[0]})"
    )


def _load_files(
    con: duckdb.DuckDBPyConnection,
    table: SourceTable,
    target: str,
    files: tuple[LandingFile, ...],
    loaded_at_sql: str,
    mapping_rules: tuple[CrmMapping, tuple[Rule, ...]],
) -> tuple[Accounting, dict[str, int]]:
    temp_names = [f"_file_{index}" for index in range(len(files))]
    rows_per_file = {
        file.relative: _stage_file(con, table, file, temp_name)
        for file, temp_name in zip(files, temp_names, strict=True)
    }
    # With each file's records as staged: the ledger and the accounting count nothing again.
    con.execute(
        "create or replace temp table _batch_files (source_file varchar, landing_date date, "
        "size_bytes bigint, modified_ns bigint, rows_read bigint)"
    )
    # Inlined values, not parameters: see extraction/ledger.py.
    rows = ", ".join(
        f"({sql_text(f.relative)}, date '{f.landing_date}', {f.size_bytes}, {f.modified_ns}, "
        f"{rows_per_file[f.relative]})"
        for f in files
    )
    con.execute(f"insert into _batch_files values {rows}")
    # A view: the rows are read where they already are, not copied once more.
    union = " union all by name ".join(f"select * from {name}" for name in temp_names)
    con.execute(f"create or replace temp view _loaded as {union}")
    if sum(rows_per_file.values()):
        mapping, rules = mapping_rules
        _check_mapped_properties(con, table, files, mapping)
        rules = _rules_for_columns(rules, set(_columns(con, "_loaded")))
        rejected = quarantine_rejects(con, table, rules, target, loaded_at_sql)
        _write_accepted(con, target, loaded_at_sql, rejected > 0)
    else:
        no_rejects(con)
    record_files(con, table, loaded_at_sql)
    counts = accounting(con)
    con.execute("drop view _loaded")
    for name in temp_names:
        con.execute(f"drop {'view' if table.file_format == 'parquet' else 'table'} {name}")
    for name in ("_records", "_rejects", "_batch_files"):
        con.execute(f"drop table if exists {name}")
    return counts, rows_per_file


def _rules_for_columns(rules: tuple[Rule, ...], columns: set[str]) -> tuple[Rule, ...]:
    """The rules a load can apply: a parse rule of an optional column the export leaves out
    (an invoice without `period_start`) has nothing to parse."""
    return tuple(
        rule
        for rule in rules
        if rule.kind not in ("typed", "typed_list")
        or re.match(r'(?:json_extract_string\()?"([^"]+)"', rule.expr)[1] in columns
    )


def _check_mapped_properties(
    con: duckdb.DuckDBPyConnection,
    table: SourceTable,
    files: tuple[LandingFile, ...],
    mapping: CrmMapping,
) -> None:
    """Every property a landing folder's CRM mapping names is in the export.

    A misspelt property would otherwise read as null on every record: a funnel without SQLs, or
    no MEDDIC score, published without a word. Only a mapping file is checked: without one, the
    export is the generator's shape, where a property may be left out (it reads as null).
    """
    object_type = (
        SALESFORCE_MAPPED_OBJECTS.get(table.raw_table, "")
        if table.system == "salesforce"
        else table.raw_table.removeprefix("crm_")
    )
    named = mapping.checked_properties(object_type) if mapping.from_file else []
    if table.system not in ("crm", "salesforce") or not named:
        return
    if table.system == "salesforce":
        # A Salesforce record's fields are its columns (extraction/rules.py reads them so).
        exported = set(_columns(con, "_loaded"))
    else:
        exported = {
            row[0]
            for row in con.execute(
                "select distinct unnest(json_keys(properties)) from _loaded"
            ).fetchall()
        }
    for account_property, entry, line in named:
        if account_property in exported:
            continue
        where = f"line {line}" if line else "not in the file: the contract's own name"
        raise ExtractionError(
            f"{mapping.source} ({where}): {entry} names the property '{account_property}', "
            f"absent from the export {table.raw_table} "
            f"({', '.join(f.relative for f in files)}); map the account's property, "
            "or null if the account does not track it"
        )


def _write_accepted(
    con: duckdb.DuckDBPyConnection, target: str, loaded_at_sql: str, any_rejected: bool
) -> None:
    """Add the records of `_loaded` that quarantine did not reject to the raw table."""
    # Without rejects (the usual export) nothing is joined: raw is one straight copy.
    rejected = "anti join _rejects as r using (_source_file, _source_line)" if any_rejected else ""
    accepted = f"select l.*, {loaded_at_sql} as _loaded_at from _loaded as l {rejected}"
    if not _has_rows(con, target):
        # A first load, or the empty table of a source that had no records: the export's own
        # columns and types, as any first load.
        con.execute(f"create or replace table {target} as {accepted}")
    elif _has_new_columns(con, target):
        # Schema drift: the table is rewritten with the new column, earlier rows null. DuckDB
        # cannot ALTER a table this transaction already deleted from; drift is rare, so a
        # rewrite is fine.
        con.execute(
            f"create or replace table {target} as "
            f"select * from {target} union all by name {accepted}"
        )
    else:
        con.execute(f"insert into {target} by name {accepted}")


def _has_new_columns(con: duckdb.DuckDBPyConnection, target: str) -> bool:
    existing = con.execute(f"select column_name from (describe {target})").fetchall()
    loaded = con.execute("select column_name from (describe _loaded)").fetchall()
    return bool({row[0] for row in loaded} - {row[0] for row in existing})


def _has_rows(con: duckdb.DuckDBPyConnection, target: str) -> bool:
    return table_exists(con, target) and bool(
        con.execute(f"select count(*) from (select 1 from {target} limit 1)").fetchone()[0]
    )


def _create_empty_table(con: duckdb.DuckDBPyConnection, table: SourceTable, target: str) -> None:
    """The raw table of a source without records: the contract's columns and raw types."""
    columns = {**table.contract_columns, **LINEAGE_COLUMNS}
    typed = ", ".join(f"{sql_identifier(name)} {kind}" for name, kind in columns.items())
    con.execute(f"create table {target} ({typed})")


def _existing_columns(con: duckdb.DuckDBPyConnection, target: str) -> set[str]:
    """Columns of the table as the previous load left it (empty on a first load)."""
    return set(_columns(con, target)) if table_exists(con, target) else set()
