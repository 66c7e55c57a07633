"""The lower bound: the pipeline's own SQL, replayed in one DuckDB connection with no orchestration.

Usage:
  python -m bench.baseline prepare --build-db B --db D      raw + seed tables of B copied into D
  python -m bench.baseline transform --db D --manifest M --out J
  python -m bench.baseline load --landing L --db D --out J

`transform` runs the compiled SQL of every model of the dbt phase's own manifest (the exact SQL
the pipeline ran) as `create or replace table|view`, parents first, then every data test as a
`count(*)` over its compiled query, timed separately. `load` reads every landing file with
DuckDB's own readers into tables: no quarantine, no provenance columns, no per-file staging,
so it bounds what extraction could cost.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb

from bench.dag import data_tests, model_order

COPIED_SCHEMAS = ("raw", "config")


def model_statement(node: Mapping[str, Any]) -> str:
    """The DDL that materializes one compiled model the way its dbt materialization does."""
    kind = "view" if node["config"]["materialized"] == "view" else "table"
    return f"create or replace {kind} {node['relation_name']} as (\n{node['compiled_code']}\n)"


def data_test_statement(node: Mapping[str, Any]) -> str:
    """dbt counts a test's failing rows the same way (`select count(*) ... from (<test>)`)."""
    return f"select count(*) from (\n{node['compiled_code']}\n) as dbt_internal_test"


def prepare(build_db: Path, db: Path) -> dict[str, int]:
    """A fresh `db` holding only the raw and seed tables (and raw views) of the build warehouse."""
    db.parent.mkdir(parents=True, exist_ok=True)
    db.unlink(missing_ok=True)
    copied: dict[str, int] = {}
    with duckdb.connect(str(db)) as con:
        con.execute(f"attach '{build_db}' as build (read_only)")
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where database_name = 'build' and schema_name in ? order by 1, 2",
            [list(COPIED_SCHEMAS)],
        ).fetchall()
        for schema, table in tables:
            con.execute(f'create schema if not exists "{schema}"')
            con.execute(
                f'create table "{schema}"."{table}" as select * from build."{schema}"."{table}"'
            )
            copied[f"{schema}.{table}"] = con.execute(
                f'select count(*) from "{schema}"."{table}"'
            ).fetchone()[0]
        # Object tables are served as views (latest version per key) over their versions:
        # recreated as views, so the replay pays for that choice where the pipeline does.
        views = con.execute(
            "select sql from duckdb_views() "
            "where database_name = 'build' and schema_name in ? order by schema_name, view_name",
            [list(COPIED_SCHEMAS)],
        ).fetchall()
        con.execute("detach build")
        for (view_sql,) in views:
            con.execute(view_sql)
        con.execute("checkpoint")
    return copied


def transform(db: Path, manifest_path: Path) -> dict[str, Any]:
    manifest = json.loads(manifest_path.read_text())
    nodes = manifest["nodes"]
    models = model_order(manifest)
    # The tests the build ran: those of models the company's CRM leaves disabled are parsed,
    # never compiled.
    tests = [uid for uid in data_tests(manifest) if "compiled_code" in nodes[uid]]
    per_model: dict[str, float] = {}
    with duckdb.connect(str(db)) as con:
        for schema in sorted({nodes[uid]["schema"] for uid in models}):
            con.execute(f'create schema if not exists "{schema}"')
        started = time.perf_counter()
        for uid in models:
            began = time.perf_counter()
            con.execute(model_statement(nodes[uid]))
            per_model[uid] = round(time.perf_counter() - began, 4)
        models_s = time.perf_counter() - started
        started = time.perf_counter()
        failing = {uid: con.execute(data_test_statement(nodes[uid])).fetchone()[0] for uid in tests}
        tests_s = time.perf_counter() - started
    return {
        "models": len(models),
        "models_s": round(models_s, 3),
        "data_tests": len(tests),
        "tests_s": round(tests_s, 3),
        "tests_with_failures": sorted(uid for uid, count in failing.items() if count),
        "unit_tests_not_replayed": len(manifest.get("unit_tests", {})),
        "per_model_s": per_model,
    }


def _reader(file_format: str, pattern: str) -> str:
    if file_format == "jsonl":
        return f"read_json('{pattern}', format = 'newline_delimited')"
    if file_format == "csv":
        return f"read_csv('{pattern}', header = true, all_varchar = true)"
    return f"read_parquet('{pattern}')"


def plain_load(landing_dir: Path, db: Path) -> dict[str, Any]:
    from dagster_project.source_catalog import SOURCE_TABLES

    db.unlink(missing_ok=True)
    per_table: dict[str, float] = {}
    rows = 0
    with duckdb.connect(str(db)) as con:
        con.execute("create schema raw")
        started = time.perf_counter()
        for table in SOURCE_TABLES:
            began = time.perf_counter()
            pattern = str(landing_dir / table.landing_subdir / f"*.{table.extension}")
            con.execute(
                f"create table raw.{table.raw_table} as "
                f"select * from {_reader(table.file_format, pattern)}"
            )
            per_table[table.raw_table] = round(time.perf_counter() - began, 4)
            rows += con.execute(f"select count(*) from raw.{table.raw_table}").fetchone()[0]
        con.execute("checkpoint")
        load_s = time.perf_counter() - started
    return {"load_s": round(load_s, 3), "rows": rows, "per_table_s": per_table}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=("prepare", "transform", "load"))
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--build-db", type=Path)
    parser.add_argument("--manifest", type=Path)
    parser.add_argument("--landing", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.action == "prepare":
        outcome: Mapping[str, Any] = prepare(args.build_db, args.db)
    elif args.action == "transform":
        outcome = transform(args.db, args.manifest)
    else:
        outcome = plain_load(args.landing, args.db)
    args.out.write_text(json.dumps(outcome, indent=2))


if __name__ == "__main__":
    main()
