"""Every typed field has a parse rule: an unparseable value in any of them is quarantined,
naming the field, before it can reach a cast in staging.

Walks the landing contract: for each text-format source table, one tiny file holding one
record per typed field (extraction/typed_fields.py) and per parse rule (extraction/rules.py),
each a real generated record with that one field set to "1,234.50". Raw loads only, one
temporary DuckDB file per table, no dbt.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dagster_project.extraction.crm_mapping import load_crm_mapping
from dagster_project.extraction.loader import load_source_table
from dagster_project.extraction.rules import Rule, table_rules
from dagster_project.extraction.typed_fields import TYPED_FIELDS, typed_fields
from dagster_project.source_catalog import SALESFORCE_TABLES, SOURCE_TABLES, SourceTable

# A number with a thousands separator: no cast of staging reads it, whatever the type.
BAD = "1,234.50"
# Rules that parse a value; each must be walked (and so have a path this test can write to).
PARSE_KINDS = {"timestamp", "epoch", "date", "month", "number", "non_negative", "typed"}
TEXT_TABLES = [t for t in SOURCE_TABLES if t.file_format != "parquet"]


def _rule_path(rule: Rule) -> tuple[str, ...]:
    """Where a parse rule reads its value: a column, or a HubSpot property."""
    if match := re.fullmatch(r'"(\w+)"', rule.expr):
        return (match[1],)
    if match := re.fullmatch(r"properties->>'(\w+)'", rule.expr):
        return ("properties", match[1])
    raise AssertionError(f"{rule.field}: a parse rule this test cannot write to ({rule.expr})")


def _parse_fields(table: SourceTable, landing: Path) -> dict[str, tuple[str, ...]]:
    """Every field of the table that some rule parses: its name -> its path."""
    mapping = load_crm_mapping(landing)
    fields = {typed.name: typed.path for typed in typed_fields(table.raw_table, mapping)}
    for rule in table_rules(table.raw_table, mapping):
        if rule.kind in PARSE_KINDS and rule.field not in fields:
            fields[rule.field] = _rule_path(rule)
    return fields


def _set(record: dict[str, Any], path: tuple[str, ...], value: str) -> None:
    """Set the value at `path`, creating what is missing; `*` is the list's first element."""
    node: Any = record
    for key, next_key in zip(path, path[1:], strict=False):
        empty: Any = [] if next_key == "*" else {}
        if key == "*":
            if not node:
                node.append({})
            node = node[0]
            continue
        if not isinstance(node.get(key), type(empty)) or (next_key == "*" and not node[key]):
            node[key] = [{}] if next_key == "*" else {}
        node = node[key]
    node[path[-1]] = value


def _variants(table: SourceTable, record: dict[str, Any], fields: dict[str, tuple[str, ...]]):
    """One copy of `record` per field, that field unparseable and its key made unique (by its
    columns that are text: a typed one would break its own rule)."""
    typed_columns = {path[0] for path in fields.values()}
    for number, (name, path) in enumerate(fields.items(), start=1):
        variant = json.loads(json.dumps(record))
        for key in set(table.key) - typed_columns:
            variant[key] = f"{variant[key]}-{number}"
        _set(variant, path, BAD)
        yield name, variant


def _write(table: SourceTable, variants: list[dict[str, Any]], out: Path) -> None:
    folder = out / table.landing_subdir
    folder.mkdir(parents=True)
    if table.file_format == "jsonl":
        text = "".join(json.dumps(v) + "\n" for v in variants)
    else:
        text_io = io.StringIO()
        writer = csv.DictWriter(text_io, fieldnames=list(variants[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(variants)
        text = text_io.getvalue()
    (folder / f"part-0000.{table.extension}").write_text(text, encoding="utf-8")


def _first_record(table: SourceTable, landing: Path) -> dict[str, Any]:
    path = sorted((landing / table.landing_subdir).glob(f"*.{table.extension}"))[0]
    with path.open(encoding="utf-8", newline="") as handle:
        if table.file_format == "jsonl":
            return json.loads(handle.readline())
        return next(csv.DictReader(handle))


def _warehouse(path: Path, loaded: SourceTable) -> duckdb.DuckDBPyConnection:
    """The other tables without rows (a reference into them is not checked), and the rates of
    the generated currencies."""
    con = duckdb.connect(str(path))
    con.execute("create schema raw")
    for table in SOURCE_TABLES:
        if table == loaded:
            continue
        columns = ", ".join(f'"{name}" varchar' for name in table.contract_columns)
        con.execute(f"create table raw.{table.raw_table} ({columns})")
    if loaded.raw_table != "billing_fx_rates":
        con.execute(
            "insert into raw.billing_fx_rates (date, currency, rate_to_eur) "
            "values ('2025-01-01', 'USD', '0.9'), ('2025-01-01', 'GBP', '1.2')"
        )
    return con


def test_every_text_table_has_typed_fields_in_its_contract() -> None:
    # The list of typed fields names real tables and contract columns, and forgets no table.
    contract = {t.raw_table: t.contract_columns for t in (*SOURCE_TABLES, *SALESFORCE_TABLES)}
    salesforce = {t.raw_table for t in SALESFORCE_TABLES}
    assert set(TYPED_FIELDS) == {t.raw_table for t in TEXT_TABLES} | salesforce
    for table, fields in TYPED_FIELDS.items():
        for field in fields:
            assert field.path[0] in contract[table], (table, field.path)


@pytest.mark.parametrize("table", TEXT_TABLES, ids=lambda t: t.raw_table)
def test_an_unparseable_value_in_each_typed_field_is_quarantined_naming_it(
    table: SourceTable, landing, tmp_path: Path
) -> None:
    generated = landing[0]
    fields = _parse_fields(table, generated)
    named = list(_variants(table, _first_record(table, generated), fields))
    _write(table, [variant for _, variant in named], tmp_path / "landing")
    con = _warehouse(tmp_path / "warehouse.duckdb", table)

    result = load_source_table(con, table, tmp_path / "landing", datetime(2026, 9, 30))

    rejected = con.execute(
        "select source_line, field, reason from quarantine.rejected_rows order by source_line"
    ).fetchall()
    # The file's own line: a CSV's records start on line 2, after the header.
    first_line = 2 if table.file_format == "csv" else 1
    assert [(line, field) for line, field, _ in rejected] == [
        (line, name) for line, (name, _) in enumerate(named, start=first_line)
    ]
    assert all(reason.startswith("unparseable ") and BAD in reason for *_, reason in rejected)
    assert result.accounting.rows_loaded == 0


def test_an_optional_typed_column_the_export_leaves_out_is_not_checked(tmp_path: Path) -> None:
    # Invoices without the contract's optional columns (period_start, subtotal, ...).
    table = next(t for t in SOURCE_TABLES if t.raw_table == "billing_invoices")
    record = {name: "1" for name in table.required_columns} | {"lines": {"data": []}}
    record |= {"id": "in_1", "status": "paid", "currency": "USD", "total": "100"}
    _write(table, [record], tmp_path / "landing")
    con = _warehouse(tmp_path / "warehouse.duckdb", table)
    result = load_source_table(con, table, tmp_path / "landing", datetime(2026, 9, 30))
    assert (result.accounting.rows_loaded, result.accounting.rows_quarantined) == (1, 0)
