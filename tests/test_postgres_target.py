"""The dbt project on PostgreSQL: the session company's raw copied to a throwaway local cluster,
every model built and tested there, and the public marts equal to DuckDB's.

One `dbt build` on PostgreSQL for the module (the session build's raw, as of its as-of date),
published by the schema swap; DuckDB's side is the session build itself. Skipped only where the
PostgreSQL server binaries are absent, and never in CI (CI=true), which installs them.
"""

from __future__ import annotations

import json
import os
import resource
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dagster_project.postgres.build import build_and_publish, check_server
from dagster_project.postgres.local_cluster import (
    Cluster,
    PostgresUnavailable,
    binaries,
    cluster,
)
from dagster_project.postgres.publish import BUILD_SUFFIX, drop_build_schemas, publish_schemas
from dagster_project.postgres.raw_copy import copy_raw
from dagster_project.postgres.settings import PostgresConnectionError, PostgresSettings, connect
from tests.postgres_marts import checksum, comparable, differences

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    try:
        binaries()
    except PostgresUnavailable as missing:
        if os.environ.get("CI"):
            raise
        pytest.skip(str(missing))
    with cluster(tmp_path_factory.mktemp("postgres_logs")) as started:
        yield started


@dataclass(frozen=True)
class PostgresBuild:
    settings: PostgresSettings
    copied: dict[str, int]
    returncode: int
    run_results: dict[str, Any]
    wall_s: float
    cpu_s: float


@pytest.fixture(scope="module")
def postgres_build(
    pg_cluster: Cluster,
    build_warehouse: Path,
    warehouse: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> PostgresBuild:
    with duckdb.connect(str(warehouse), read_only=True) as published:
        version = published.execute("select as_of_date from meta.warehouse_version").fetchone()
    as_of = str(version[0])
    settings = pg_cluster.settings
    copied = copy_raw(build_warehouse, settings)["rows"]
    target = tmp_path_factory.mktemp("pg_dbt_target")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    returncode = build_and_publish(settings, as_of, target)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    run_results = json.loads((target / "run_results.json").read_text())
    return PostgresBuild(
        settings=settings,
        copied=copied,
        returncode=returncode,
        run_results=run_results,
        wall_s=time.perf_counter() - started,
        cpu_s=(after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
    )


def test_raw_copy_holds_every_row_and_the_latest_versions(
    postgres_build: PostgresBuild, build_warehouse: Path
) -> None:
    with duckdb.connect(str(build_warehouse), read_only=True) as source:
        relations = source.execute(
            "select table_name from duckdb_tables() where schema_name = 'raw' union all "
            "select view_name from duckdb_views() where schema_name = 'raw' and not internal"
        ).fetchall()
        expected = {
            name: source.execute(f'select count(*) from raw."{name}"').fetchone()[0]
            for (name,) in relations
        }
    with connect(postgres_build.settings) as target, target.cursor() as cursor:
        copied = {}
        for name in expected:
            cursor.execute(f'select count(*) from raw."{name}"')
            copied[name] = cursor.fetchone()[0]
    assert copied == expected
    # the views: one row per key, fewer than the versions they read
    assert expected["crm_deals"] <= expected["crm_deals__versions"]


def test_every_model_builds_and_passes_its_tests_on_postgres(
    postgres_build: PostgresBuild, dbt_manifest: Path
) -> None:
    manifest = json.loads(dbt_manifest.read_text())
    models = {key for key, node in manifest["nodes"].items() if node["resource_type"] == "model"}
    statuses = {
        result["unique_id"]: result["status"] for result in postgres_build.run_results["results"]
    }
    # exposures are no-ops: nothing to build
    failed = {
        key: status
        for key, status in statuses.items()
        if status not in ("success", "pass") and not key.startswith("exposure.")
    }
    assert postgres_build.returncode == 0 and not failed, failed
    assert {key for key in statuses if key.startswith("model.")} == models
    print(
        f"\ndbt build on PostgreSQL: {len(models)} models, {len(statuses)} nodes, "
        f"{postgres_build.wall_s:.1f} s wall, {postgres_build.cpu_s:.1f} CPU-s (dbt)"
    )


def test_public_marts_are_the_same_on_both_engines(
    postgres_build: PostgresBuild, build_warehouse: Path
) -> None:
    with duckdb.connect(str(build_warehouse), read_only=True) as duck:
        duck.execute("set TimeZone = 'UTC'")
        marts = [
            row[0]
            for row in duck.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
            ).fetchall()
        ]
        assert len(marts) >= 15
        report, mismatched = [], {}
        with connect(postgres_build.settings) as pg, pg.cursor() as cursor:
            for mart in marts:
                columns = [
                    row[0]
                    for row in duck.execute(
                        "select column_name from duckdb_columns() where schema_name = 'marts' "
                        f"and table_name = '{mart}' order by column_index"
                    ).fetchall()
                ]
                select = ", ".join(f'"{column}"' for column in columns)
                query = f"select {select} from marts.{mart}"
                duck_rows = comparable(duck.execute(query).fetchall())
                cursor.execute(query)
                pg_rows = comparable(cursor.fetchall())
                found = differences(columns, duck_rows, pg_rows)
                if found:
                    mismatched[mart] = found
                report.append(f"{mart}: {len(duck_rows)} rows, {checksum(duck_rows)}")
    assert not mismatched, mismatched
    print("\n" + "\n".join(report))


def test_the_build_is_published_and_nothing_is_left_beside_it(
    postgres_build: PostgresBuild, build_warehouse: Path
) -> None:
    with duckdb.connect(str(build_warehouse), read_only=True) as duck:
        marts = duck.execute(
            "select count(*) from duckdb_tables() where schema_name = 'marts'"
        ).fetchone()[0]
    with connect(postgres_build.settings) as pg, pg.cursor() as cursor:
        cursor.execute("select nspname from pg_namespace where nspname like '%\\_\\_%'")
        assert cursor.fetchall() == []
        cursor.execute("select count(*) from pg_tables where schemaname = 'marts'")
        assert cursor.fetchone()[0] == marts


def test_publishing_swaps_every_built_schema_in_at_once(pg_cluster: Cluster) -> None:
    """`swap_a` was published (version 1), the build wrote `swap_a` and the new `swap_b`
    (version 2): after publish both read version 2 and no build or previous schema is left."""
    with connect(pg_cluster.settings) as pg, pg.cursor() as cursor:
        cursor.execute("create schema swap_a; create table swap_a.t as select 1 as version")
        for schema in ("swap_a", "swap_b"):
            cursor.execute(f"create schema {schema}{BUILD_SUFFIX}")
            cursor.execute(f"create table {schema}{BUILD_SUFFIX}.t as select 2 as version")
    connection = connect(pg_cluster.settings)
    try:
        assert publish_schemas(connection, ("swap_a", "swap_b", "swap_c")) == ["swap_a", "swap_b"]
        with connection.cursor() as cursor:
            cursor.execute("select (select version from swap_a.t), (select version from swap_b.t)")
            assert cursor.fetchone() == (2, 2)
            cursor.execute("select nspname from pg_namespace where nspname like 'swap%' order by 1")
            assert [row[0] for row in cursor.fetchall()] == ["swap_a", "swap_b"]
    finally:
        connection.close()


def test_a_failed_builds_schemas_are_dropped_and_the_published_ones_kept(
    pg_cluster: Cluster,
) -> None:
    with connect(pg_cluster.settings) as pg, pg.cursor() as cursor:
        cursor.execute("create schema keep_a; create table keep_a.t as select 1 as version")
        cursor.execute(f"create schema keep_a{BUILD_SUFFIX}")
        cursor.execute(f"create table keep_a{BUILD_SUFFIX}.t as select 9 as version")
    connection = connect(pg_cluster.settings)
    try:
        drop_build_schemas(connection, ("keep_a",))
        with connection.cursor() as cursor:
            cursor.execute("select version from keep_a.t")
            assert cursor.fetchone() == (1,)
            cursor.execute("select nspname from pg_namespace where nspname like 'keep%'")
            assert cursor.fetchall() == [("keep_a",)]
    finally:
        connection.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_server_is_named_without_the_password() -> None:
    settings = PostgresSettings(
        host="127.0.0.1", port=_free_port(), database="revops", user="etl", password="pw-4711"
    )
    with pytest.raises(PostgresConnectionError) as refused:
        check_server(settings)
    message = str(refused.value)
    for expected in ("127.0.0.1", str(settings.port), "'revops'", "REVOPS_PG_HOST"):
        assert expected in message
    assert "REVOPS_PG_PASSWORD" in message
    assert "pw-4711" not in message and "pw-4711" not in repr(settings)


def test_refused_credentials_are_named_without_the_password(pg_cluster: Cluster) -> None:
    settings = PostgresSettings(
        host="127.0.0.1",
        port=pg_cluster.port,
        database="postgres",
        user="nobody_here",
        password="pw-4711",
    )
    with pytest.raises(PostgresConnectionError) as refused:
        check_server(settings)
    message = str(refused.value)
    assert f"127.0.0.1:{pg_cluster.port}" in message and "'nobody_here'" in message
    assert "REVOPS_PG_USER" in message and "pw-4711" not in message


def test_settings_come_from_the_environment() -> None:
    settings = PostgresSettings.from_env(
        {"REVOPS_PG_HOST": "db.internal", "REVOPS_PG_PORT": "6543", "REVOPS_PG_PASSWORD": "x"}
    )
    assert (settings.host, settings.port, settings.database, settings.user) == (
        "db.internal",
        6543,
        "revops",
        "revops",
    )
    with pytest.raises(PostgresConnectionError, match="REVOPS_PG_PORT='five'"):
        PostgresSettings.from_env({"REVOPS_PG_PORT": "five"})
