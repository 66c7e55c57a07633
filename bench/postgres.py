"""The peer: the same dbt project built on a throwaway local PostgreSQL cluster.

The cluster (dagster_project/postgres/local_cluster.py) lives in a temp dir, listens on a free
loopback port only, trusts local connections and is deleted afterwards. Durability is off (fsync,
synchronous commit, full-page writes): nothing here must survive a crash, and it spares
PostgreSQL disk flushes DuckDB does not pay either, so the ratio is not flattered. Raw is copied
as the PostgreSQL target copies it (dagster_project/postgres/raw_copy.py): tables and the
latest-version views staging reads.

Usage (the load step, run by the harness as a measured subprocess):
  python -m bench.postgres load --build-db B --port P --out J
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


def profiles_yml(port: int, threads: int = 2) -> str:
    """A bench-only dbt profile: the project's profile name, pointed at the throwaway cluster."""
    return (
        "revops_warehouse:\n"
        "  target: postgres\n"
        "  outputs:\n"
        "    postgres:\n"
        "      type: postgres\n"
        "      host: 127.0.0.1\n"
        f"      port: {port}\n"
        f"      user: {SYSTEM_USER}\n"
        "      password: ''\n"
        f"      dbname: {DATABASE}\n"
        "      schema: public\n"
        f"      threads: {threads}\n"
    )


def load_raw(build_db: Path, port: int) -> dict[str, Any]:
    """Every raw table and latest-version view of the build warehouse, on the cluster."""
    settings = PostgresSettings(host="127.0.0.1", port=port, database=DATABASE, user=SYSTEM_USER)
    copied = copy_raw(build_db, settings)
    return {"load_s": copied["copy_s"], "rows": copied["rows"]}


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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=("load",))
    parser.add_argument("--build-db", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    outcome = load_raw(args.build_db, args.port)
    args.out.write_text(json.dumps(outcome, indent=2))


if __name__ == "__main__":
    main()
