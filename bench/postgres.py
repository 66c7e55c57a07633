"""The peer: the same dbt project built on a throwaway local PostgreSQL cluster, through the
PostgreSQL target's own code (dagster_project/postgres/).

The cluster (dagster_project/postgres/local_cluster.py) lives in a temp dir, listens on a free
loopback port only, trusts local connections and is deleted afterwards. Durability is off (fsync,
synchronous commit, full-page writes): nothing here must survive a crash, and it spares
PostgreSQL disk flushes DuckDB does not pay either, so the ratio is not flattered. Raw is copied
as the PostgreSQL target copies it (raw_copy.py: tables and the latest-version views staging
reads), and the build is the target's `build_and_publish` (build.py: `dbt build` with the
pipeline's arguments into the `__build` schemas, then the schema swap).

Usage (each step run by the harness as a measured subprocess, the server's CPU counted in):
  python -m bench.postgres load --build-db B --port P --out J
  python -m bench.postgres build --port P --target-path T --out J [--as-of DATE]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagster_project.postgres.local_cluster import (
    DATABASE,
    SYSTEM_USER,
    Cluster,
    PostgresUnavailable,
    cluster,
)
from dagster_project.postgres.raw_copy import copy_raw, postgres_type
from dagster_project.postgres.settings import PostgresSettings

__all__ = ["Cluster", "PostgresUnavailable", "cluster", "postgres_type"]

SERVER_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "1GB",
    "work_mem": "256MB",
    "maintenance_work_mem": "512MB",
    "max_wal_size": "8GB",
}
# The measured phases of each engine that do the same job: (label, DuckDB phase, peer phase).
# Loading raw is not the same work on both: DuckDB's extraction reads the landing files and
# applies the row rules; the peer copies the raw tables extraction left. It is what each engine
# costs before dbt can start.
PHASE_PAIRS = (
    ("load raw", "extract", "pg_load"),
    ("dbt build (process)", "dbt", "pg_dbt"),
)
# dbt's node kinds, as run_results names them, under the report's names.
NODE_KINDS = (("models", "model"), ("data tests", "test"), ("seeds", "seed"))


def _settings(port: int) -> PostgresSettings:
    return PostgresSettings(host="127.0.0.1", port=port, database=DATABASE, user=SYSTEM_USER)


def load_raw(build_db: Path, port: int) -> dict[str, Any]:
    """Every raw table and latest-version view of the build warehouse, on the cluster."""
    copied = copy_raw(build_db, _settings(port))
    return {"load_s": copied["copy_s"], "rows": copied["rows"]}


def build(port: int, target_path: Path, as_of_date: str) -> dict[str, Any]:
    """The target's build: every model, seed and data test (unit tests aside, as in a pipeline
    run) into the `__build` schemas, published by the schema swap when all passed."""
    from dagster_project.metric_config import default_as_of_date
    from dagster_project.postgres.build import build_and_publish

    as_of = as_of_date or default_as_of_date()
    # The marts' quality suites are a phase of their own on DuckDB (quality), not of its dbt;
    # a whole build from raw, as the DuckDB peer's, whatever the cluster already holds.
    returncode = build_and_publish(
        _settings(port), as_of, target_path, check_marts=False, full_refresh=True
    )
    return {"returncode": returncode, "as_of_date": as_of}


def error_summary(message: str) -> str:
    """The database's own words: dbt's first line only names the model and its path."""
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    useful = [line for line in lines if not line.startswith(("Database Error in", "compiled code"))]
    return (useful or lines or [""])[0][:200]


def summarize_run_results(run_results: Mapping[str, Any]) -> dict[str, Any]:
    """What was built, what failed (first line of the error) and what was skipped, by type."""
    by_status: dict[str, dict[str, int]] = {}
    built: list[str] = []
    failed: dict[str, str] = {}
    skipped: list[str] = []
    for result in run_results["results"]:
        kind, name = result["unique_id"].split(".")[0], result["unique_id"].split(".")[-1]
        status = result["status"]
        by_status.setdefault(kind, {}).setdefault(status, 0)
        by_status[kind][status] += 1
        if kind != "model":
            continue
        if status == "success":
            built.append(name)
        elif status == "error":
            failed[name] = error_summary(result.get("message") or "")
        else:
            skipped.append(name)
    return {
        "by_type_and_status": by_status,
        "models_built": sorted(built),
        "models_failed": dict(sorted(failed.items())),
        "models_skipped": sorted(skipped),
    }


def project_models(manifest: Mapping[str, Any]) -> int | None:
    """How many models the project has (enabled ones: the manifest lists no others as nodes)."""
    nodes = manifest.get("nodes")
    if nodes is None:
        return None
    return sum(1 for node in nodes.values() if node["resource_type"] == "model")


def _ratio(duckdb_value: float | None, postgres_value: float | None) -> float | None:
    if duckdb_value is None or not postgres_value:
        return None
    return round(duckdb_value / postgres_value, 2)


def _row(label: str, duckdb: Mapping[str, Any], postgres: Mapping[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {"phase": label}
    for measure in ("wall_s", "cpu_s"):
        duck_value, pg_value = duckdb.get(measure), postgres.get(measure)
        row[f"duckdb_{measure}"] = duck_value
        row[f"postgres_{measure}"] = pg_value
        row[f"{measure}_ratio"] = _ratio(duck_value, pg_value)
    return row


def phase_ratios(
    phases: Mapping[str, Mapping[str, Any]],
    duckdb_results: Mapping[str, Any],
    postgres_results: Mapping[str, Any],
    comparison: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """DuckDB / PostgreSQL per phase (below 1: DuckDB was faster).

    The measured processes (wall and CPU, the server's included): loading raw and the dbt build.
    Then dbt's own clock on both sides (elapsed, without the Dagster step around DuckDB's build)
    and the summed node times by kind, over the nodes both engines ran: dbt runs two threads, so
    a kind's sum may exceed the wall time it took. No CPU time per node: dbt does not record it.
    """
    rows = [
        _row(label, phases.get(duck, {}), phases.get(pg, {}))
        for label, duck, pg in PHASE_PAIRS
        if phases.get(duck, {}).get("status") == "ok" and phases.get(pg, {}).get("status") == "ok"
    ]
    rows.append(
        _row(
            "dbt build (dbt's elapsed)",
            {"wall_s": round(duckdb_results.get("elapsed_time", 0.0), 2) or None},
            {"wall_s": round(postgres_results.get("elapsed_time", 0.0), 2) or None},
        )
    )
    by_type = comparison.get("by_type", {})
    for label, kind in NODE_KINDS:
        if kind in by_type:
            times = by_type[kind]
            rows.append(
                _row(
                    f"{label} ({times['nodes']}, summed)",
                    {"wall_s": times["duckdb_s"]},
                    {"wall_s": times["postgres_s"]},
                )
            )
    return rows


def _cell(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _columns(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]


def format_peer(peer: Mapping[str, Any]) -> list[str]:
    """The peer's part of the printed report: what built on each engine, the ratio per phase
    and for the ten heaviest models (DuckDB / PostgreSQL: below 1, DuckDB was faster)."""
    if peer.get("status") == "skipped":
        return [f"postgres peer: skipped ({peer['reason']})"]
    if peer.get("status") != "ran":
        return []
    built = peer.get("models_built_by_engine", {})
    lines = [
        f"postgres peer: models built: DuckDB {built.get('duckdb', '-')}, "
        f"PostgreSQL {built.get('postgres', '-')} of {built.get('project', '-')}; "
        f"failed on PostgreSQL: {len(peer.get('models_failed', {}))}, "
        f"skipped: {len(peer.get('models_skipped', []))}"
    ]
    for name, error in peer.get("models_failed", {}).items():
        lines.append(f"  failed {name}: {error}")
    header = ("DuckDB / PostgreSQL", "DuckDB s", "PG s", "ratio", "DuckDB cpu", "PG cpu", "ratio")
    table = [header]
    for row in peer.get("phase_ratios", []):
        table.append(
            (
                row["phase"],
                _cell(row["duckdb_wall_s"]),
                _cell(row["postgres_wall_s"]),
                _cell(row["wall_s_ratio"], 2),
                _cell(row["duckdb_cpu_s"]),
                _cell(row["postgres_cpu_s"]),
                _cell(row["cpu_s_ratio"], 2),
            )
        )
    heaviest = peer.get("comparison", {}).get("heaviest_models", [])
    if heaviest:
        table.append(("heaviest models (on DuckDB)", "", "", "", "", "", ""))
    for model in heaviest:
        table.append(
            (
                f"  {model['model']}",
                _cell(model["duckdb_s"], 2),
                _cell(model["postgres_s"], 2),
                _cell(model["duckdb_vs_postgres"], 2),
                "",
                "",
                "",
            )
        )
    return lines + ["  " + line.rstrip() for line in _columns(table)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=("load", "build"))
    parser.add_argument("--build-db", type=Path, help="load: the DuckDB build file")
    parser.add_argument("--target-path", type=Path, help="build: dbt's artifacts folder")
    parser.add_argument("--as-of", default="", help="build: as-of date (default: dbt's)")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.action == "load":
        outcome = load_raw(args.build_db, args.port)
    else:
        outcome = build(args.port, args.target_path, args.as_of)
    args.out.write_text(json.dumps(outcome, indent=2))
    raise SystemExit(outcome.get("returncode", 0))


if __name__ == "__main__":
    main()
