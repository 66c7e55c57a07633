"""What the published warehouse cannot say, and why: `meta.source_availability` and
`meta.metric_availability`.

A company may leave optional source tables out (source_catalog.py). Which marts and metrics are
built from which source tables is read from the dbt manifest's lineage (each node's `depends_on`,
transformation/build_selection.py; a metric through its semantic model to the mart it reads), so a
new model or metric is covered without a list to keep. Lineage is per table, not per column: a mart
built in part from a source without records is `incomplete` as a whole, and `reason` names the
sources; an empty one is `unavailable`. Sources whose absence means "none happened"
(`none_if_empty`: no credit note issued, every amount in EUR) leave what reads them available.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import duckdb

from dagster_project.extraction.ledger import LEDGER
from dagster_project.metric_config import crm_source
from dagster_project.source_catalog import source_tables
from dagster_project.sql_text import sql_text
from dagster_project.transformation.build_selection import raw_tables_upstream

SOURCE_AVAILABILITY_DDL = """create or replace table meta.source_availability (
    source_table varchar primary key, source_system varchar, availability varchar,
    files bigint, rows_loaded bigint, is_present boolean, reason varchar)"""
METRIC_AVAILABILITY_DDL = """create or replace table meta.metric_availability (
    name varchar, kind varchar, models varchar[], rows_published bigint, status varchar,
    sources_without_records varchar[], reason varchar, primary key (kind, name))"""


@dataclass(frozen=True)
class Availability:
    name: str
    kind: str  # mart | metric
    models: tuple[str, ...]
    rows: int
    missing_sources: tuple[str, ...]

    @property
    def status(self) -> str:
        if not self.missing_sources:
            return "available"
        return "incomplete" if self.rows else "unavailable"

    @property
    def reason(self) -> str | None:
        if not self.missing_sources:
            return None
        built_from = f"built from {', '.join(self.missing_sources)}, which hold no records"
        if self.rows:
            return f"{built_from}: what it derives from them is missing, zero or null"
        return f"{built_from}; no rows"


def mart_sources(manifest: Mapping[str, Any]) -> dict[str, frozenset[str]]:
    """Each model of schema `marts`: the raw tables upstream of it, however far."""
    upstream = raw_tables_upstream(manifest)
    return {
        node["name"]: upstream(uid)
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    }


def metric_models(manifest: Mapping[str, Any]) -> dict[str, frozenset[str]]:
    """Each metric of the semantic layer: the marts it reads (derived metrics through theirs)."""
    semantic = {
        uid: {manifest["nodes"][node]["name"] for node in model["depends_on"]["nodes"]}
        for uid, model in manifest["semantic_models"].items()
    }
    metrics = manifest["metrics"]

    def models(uid: str) -> set[str]:
        names: set[str] = set()
        for node in metrics[uid]["depends_on"]["nodes"]:
            names |= models(node) if node in metrics else semantic.get(node, set())
        return names

    return {metric["name"]: frozenset(models(uid)) for uid, metric in metrics.items()}


def _count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    return con.execute(f"select count(*) from {relation}").fetchone()[0]


def _list(values: Iterable[str]) -> str:
    return "[" + ", ".join(sql_text(value) for value in values) + "]::varchar[]"


def record_availability(con: duckdb.DuckDBPyConnection, manifest: Mapping[str, Any]) -> None:
    """Write both tables into the build warehouse, from its raw tables, ledger and marts."""
    # The ledger counts what each file put into raw (every version of an object).
    ledger = {
        table: (files, int(rows))
        for table, files, rows in con.execute(
            f"select source_table, count(*), sum(rows_loaded) from {LEDGER} group by 1"
        ).fetchall()
    }
    files = {
        table.raw_table: ledger.get(table.raw_table, (0, 0))[0]
        for table in source_tables(crm_source())
    }
    rows = {
        table.raw_table: ledger.get(table.raw_table, (0, 0))[1]
        for table in source_tables(crm_source())
    }
    # Sources whose absence leaves something unknown; `none_if_empty` ones mean "none".
    missing = {
        table.raw_table
        for table in source_tables(crm_source())
        if not rows[table.raw_table] and table.availability == "optional"
    }
    con.execute("create schema if not exists meta")
    con.execute(SOURCE_AVAILABILITY_DDL)
    for table in source_tables(crm_source()):
        count, delivered = rows[table.raw_table], files[table.raw_table]
        reason = None
        if not count:
            what = "no files" if not delivered else "files without records"
            effect = (
                "read as none"
                if table.availability == "none_if_empty"
                else "what is built from it is incomplete (meta.metric_availability)"
            )
            reason = f"{what}: {effect}"
        con.execute(
            "insert into meta.source_availability values ("
            f"{sql_text(table.raw_table)}, {sql_text(table.system)}, "
            f"{sql_text(table.availability)}, {delivered}, {count}, {bool(count)}, "
            f"{sql_text(reason) if reason else 'null'})"
        )
    marts = mart_sources(manifest)
    mart_rows = {name: _count(con, f"marts.{name}") for name in marts}
    entries = [
        Availability(name, "mart", (name,), mart_rows[name], tuple(sorted(sources & missing)))
        for name, sources in marts.items()
    ]
    for name, models in metric_models(manifest).items():
        sources = frozenset().union(*(marts[model] for model in models))
        entries.append(
            Availability(
                name,
                "metric",
                tuple(sorted(models)),
                sum(mart_rows[model] for model in models),
                tuple(sorted(sources & missing)),
            )
        )
    con.execute(METRIC_AVAILABILITY_DDL)
    for entry in entries:
        con.execute(
            "insert into meta.metric_availability values ("
            f"{sql_text(entry.name)}, {sql_text(entry.kind)}, {_list(entry.models)}, "
            f"{entry.rows}, {sql_text(entry.status)}, {_list(entry.missing_sources)}, "
            f"{sql_text(entry.reason) if entry.reason else 'null'})"
        )


def availability_lines(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The run summary's account of what is missing: sources without records, then the marts
    and metrics they leave incomplete or unavailable (nothing when every source delivered)."""
    sources = con.execute(
        "select source_table, availability, reason from meta.source_availability "
        "where not is_present order by source_table"
    ).fetchall()
    if not sources:
        return ["every source table holds records: every mart and metric is available"]
    lines = ["source tables without records"]
    lines += [f"  {table:<40} {kind:<14} {reason}" for table, kind, reason in sources]
    entries = con.execute(
        "select kind, name, status, sources_without_records from meta.metric_availability "
        "where status <> 'available' order by kind, status desc, name"
    ).fetchall()
    lines.append("marts and metrics not fully available (meta.metric_availability)")
    lines += [
        f"  {kind} {name:<36} {status:<12} from {', '.join(missing)}"
        for kind, name, status, missing in entries
    ]
    return lines
