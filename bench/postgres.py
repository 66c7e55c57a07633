"""The peer: the same dbt project built on a throwaway local PostgreSQL cluster.

The cluster lives in a temp dir, listens on a free loopback port only, trusts local connections
and is deleted afterwards. It runs as the `postgres` system user (initdb refuses root). Durability
is off (fsync, synchronous commit, full-page writes): nothing here must survive a crash, and it
spares PostgreSQL disk flushes DuckDB does not pay either, so the ratio is not flattered.

Usage (the load step, run by the harness as a measured subprocess):
  python -m bench.postgres load --build-db B --port P --out J
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from dagster_project.sql_text import sql_identifier

SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "1GB",
    "work_mem": "256MB",
    "maintenance_work_mem": "512MB",
    "max_wal_size": "8GB",
}
USER = "postgres"
DATABASE = "postgres"
# JSON as `json`, not `jsonb`: DuckDB's JSON is text parsed on access too, and the models' `->>`
# works on both while `json_each` exists in PostgreSQL for `json` only.
_SCALARS = {
    "VARCHAR": "text",
    "JSON": "json",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "SMALLINT": "smallint",
    "TINYINT": "smallint",
    "DOUBLE": "double precision",
    "FLOAT": "real",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
}


class PostgresUnavailable(Exception):
    """No PostgreSQL server binaries here: the peer is skipped, with this reason."""


@dataclass(frozen=True)
class Cluster:
    port: int
    server: subprocess.Popen[bytes]
    data_dir: Path


def postgres_type(duckdb_type: str) -> str:
    """The PostgreSQL column type for a raw DuckDB column; nested values travel as json."""
    if duckdb_type in _SCALARS:
        return _SCALARS[duckdb_type]
    decimal = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", duckdb_type)
    if decimal:
        return f"numeric({decimal[1]}, {decimal[2]})"
    return "json"


def _export_expression(column: str, duckdb_type: str) -> str:
    quoted = sql_identifier(column)
    nested = duckdb_type not in _SCALARS and not duckdb_type.startswith("DECIMAL")
    return f"to_json({quoted})" if nested else quoted


def binaries() -> dict[str, str]:
    found = {name: shutil.which(name) for name in ("initdb", "postgres", "pg_ctl")}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        raise PostgresUnavailable(f"PostgreSQL server binaries not found: {', '.join(missing)}")
    return {name: str(path) for name, path in found.items()}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_postgres_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", USER, "--", *command]


@contextmanager
def cluster(log_dir: Path) -> Iterator[Cluster]:
    """A started cluster for the duration of the block; stopped and deleted after it."""
    tools = binaries()
    root = Path(tempfile.mkdtemp(prefix="revops-bench-pg-"))
    shutil.chown(root, USER, USER)
    data_dir = root / "data"
    log_dir.mkdir(parents=True, exist_ok=True)
    try:
        with (log_dir / "postgres_initdb.log").open("w") as log:
            subprocess.run(
                _as_postgres_user(
                    [
                        tools["initdb"],
                        "-D",
                        str(data_dir),
                        "-U",
                        USER,
                        "--auth=trust",
                        "--encoding=UTF8",
                        "--no-locale",
                    ]
                ),
                check=True,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        port = _free_port()
        settings = [
            arg for key, value in SERVER_SETTINGS.items() for arg in ("-c", f"{key}={value}")
        ]
        server_log = (log_dir / "postgres_server.log").open("w")
        server = subprocess.Popen(
            _as_postgres_user(
                [
                    tools["postgres"],
                    "-D",
                    str(data_dir),
                    "-p",
                    str(port),
                    "-k",
                    str(root),
                    *settings,
                ]
            ),
            stdout=server_log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_ready(port, server)
            yield Cluster(port=port, server=server, data_dir=data_dir)
        finally:
            subprocess.run(
                _as_postgres_user([tools["pg_ctl"], "stop", "-D", str(data_dir), "-m", "fast"]),
                check=False,
                stdout=server_log,
                stderr=subprocess.STDOUT,
            )
            server.wait(timeout=60)
            server_log.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _wait_ready(port: int, server: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    import psycopg2

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            psycopg2.connect(host="127.0.0.1", port=port, user=USER, dbname=DATABASE).close()
            return
        except psycopg2.OperationalError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


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
        f"      user: {USER}\n"
        "      password: ''\n"
        f"      dbname: {DATABASE}\n"
        "      schema: public\n"
        f"      threads: {threads}\n"
    )


def load_raw(build_db: Path, port: int, scratch: Path) -> dict[str, Any]:
    """Copy every raw table of the build warehouse into schema raw, via CSV and COPY."""
    import psycopg2

    scratch.mkdir(parents=True, exist_ok=True)
    rows: dict[str, int] = {}
    started = time.perf_counter()
    with (
        duckdb.connect(str(build_db), read_only=True) as source,
        psycopg2.connect(host="127.0.0.1", port=port, user=USER, dbname=DATABASE) as target,
    ):
        source.execute("set TimeZone = 'UTC'")
        tables = [
            row[0]
            for row in source.execute(
                "select table_name from duckdb_tables() where schema_name = 'raw' order by 1"
            ).fetchall()
        ]
        with target.cursor() as cursor:
            cursor.execute("drop schema if exists raw cascade; create schema raw")
            for table in tables:
                columns = source.execute(
                    "select column_name, data_type from information_schema.columns "
                    "where table_schema = 'raw' and table_name = ? order by ordinal_position",
                    [table],
                ).fetchall()
                ddl = ", ".join(f'"{name}" {postgres_type(kind)}' for name, kind in columns)
                cursor.execute(f'create table raw."{table}" ({ddl})')
                select = ", ".join(_export_expression(name, kind) for name, kind in columns)
                csv_path = scratch / f"{table}.csv"
                source.execute(
                    f"copy (select {select} from raw.\"{table}\") to '{csv_path}' (header false)"
                )
                with csv_path.open() as handle:
                    cursor.copy_expert(f'copy raw."{table}" from stdin with (format csv)', handle)
                csv_path.unlink()
                rows[table] = cursor.rowcount
            cursor.execute("analyze")
    return {"load_s": round(time.perf_counter() - started, 3), "rows": rows}


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
    outcome = load_raw(args.build_db, args.port, args.out.parent / "pg_scratch")
    args.out.write_text(json.dumps(outcome, indent=2))


if __name__ == "__main__":
    main()
