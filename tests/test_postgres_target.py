"""The dbt project on PostgreSQL: the session company's raw copied to a throwaway local cluster,
every model built and tested there, and the public marts equal to DuckDB's.

One `dbt build` on PostgreSQL for the module (the session build's raw, as of its as-of date),
published by the schema swap; DuckDB's side is the session build itself. Skipped only where the
PostgreSQL server binaries are absent, and never in CI (CI=true), which installs them.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from dagster_project.metric_config import metric_vars
from dagster_project.postgres.assets import postgres_warehouse
from dagster_project.postgres.build import build_and_publish, check_server, dbt_build
from dagster_project.postgres.local_cluster import (
    Cluster,
    PostgresUnavailable,
    binaries,
    cluster,
)
from dagster_project.postgres.mart_checks import (
    blocking_failures,
    in_schemas,
    run_mart_suites,
    run_suite_on_postgres,
)
from dagster_project.postgres.publish import (
    BUILD_SUFFIX,
    BUILT_SCHEMAS,
    drop_build_schemas,
    publish_schemas,
)
from dagster_project.postgres.raw_copy import copy_raw
from dagster_project.postgres.settings import PostgresConnectionError, PostgresSettings, connect
from dagster_project.quality.engine.report import report_dir
from dagster_project.quality.suites import mart_suites
from dagster_project.resources import WarehouseResource
from dagster_project.run_pipeline import build_step_config, job_for_target
from generator.daily import generate_day
from tests.conftest import SAMPLE_SEED, SessionBuild
from tests.dbt_runs import load_raw
from tests.postgres_marts import (
    EngineBuild,
    checksum,
    children_cost,
    comparable,
    differences,
    duckdb_marts,
    project_models,
    published_as_of,
)

pytestmark = pytest.mark.postgres

# The incremental models: event staging (delete+insert on landing_date) -> the raw table each
# reads; the models with the project's own strategies (health_week_rebuild, mrr_rebuild_scope,
# lead_signal_day_rebuild).
EVENT_MODELS = {
    "staging.stg_product__tracks": "product_tracks",
    "staging.stg_marketing__page_views": "marketing_page_views",
    "staging.stg_marketing__email_events": "marketing_email_events",
    "staging.stg_marketing__form_submissions": "marketing_form_submissions",
}
SCOPED_MODELS = (
    "intermediate.int_lead_signals_collected",
    "intermediate.int_account_week_signals_computed",
    "marts.fct_account_health",
    "marts.fct_mrr",
)
# The landing day after the session company's initial export (generator.daily).
NEXT_DAY = date(2026, 10, 1)
# Columns that say when a row was loaded or built, not what it holds.
BOOKKEEPING = {"loaded_at", "_source_loaded_at"}


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
class PostgresBuild(EngineBuild):
    settings: PostgresSettings
    as_of_date: str
    success: bool


@pytest.fixture(scope="module")
def postgres_build(pg_cluster: Cluster, built: SessionBuild, warehouse: Path) -> PostgresBuild:
    """The `postgres_warehouse` asset (the `postgres_build` job's last step) on the session
    build's raw: copy, dbt build, mart suites, schema swap."""
    as_of = published_as_of(warehouse)
    settings = pg_cluster.settings
    resource_ = WarehouseResource(
        database=built.warehouse.database,
        landing_dir=built.warehouse.landing_dir,
        published_database=built.warehouse.published_database,
        as_of_date=as_of,
    )
    with children_cost() as cost, pytest.MonkeyPatch.context() as env:
        for name, value in settings.env().items():
            env.setenv(name, value)
        result = dg.materialize(
            [postgres_warehouse], resources={"warehouse": resource_}, raise_on_error=False
        )
    target = Path(built.warehouse.database).parent / "postgres_target"
    return PostgresBuild(
        settings=settings,
        as_of_date=as_of,
        success=result.success,
        run_results=json.loads((target / "run_results.json").read_text()),
        wall_s=cost.wall_s,
        cpu_s=cost.cpu_s,
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
    models = project_models(dbt_manifest)
    statuses = postgres_build.statuses()
    failed = postgres_build.failed()
    assert postgres_build.success and not failed, failed
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
        marts = duckdb_marts(duck)
        assert len(marts) >= 15
        report, mismatched = [], {}
        with connect(postgres_build.settings) as pg, pg.cursor() as cursor:
            for mart, columns in marts.items():
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


def test_the_mart_suites_reach_duckdbs_verdicts_on_postgres(
    postgres_build: PostgresBuild, build_warehouse: Path
) -> None:
    """Every mart rule, run on PostgreSQL's marts (GX on pandas, whole frames), passes or fails
    with the failing-row count the session run's checks recorded on DuckDB (pushed down)."""
    outcomes = run_mart_suites(postgres_build.settings)
    results = report_dir(str(build_warehouse)) / "results"
    assert len(outcomes) >= 15
    for suite, found in outcomes.items():
        recorded = json.loads((results / f"{suite}.json").read_text())["outcomes"]
        on_duckdb = {o["rule"]: (o["success"], o["failing_rows"]) for o in recorded}
        assert {o.rule: (o.success, o.failing_rows) for o in found} == on_duckdb, suite
    assert blocking_failures(outcomes) == []


def test_a_broken_mart_fails_its_blocking_rule_on_postgres(postgres_build: PostgresBuild) -> None:
    """One customer-month with MRR -1.00: the blocking rules it breaks fail on that row alone,
    and publish would stop naming them."""
    (suite,) = [s for s in mart_suites(metric_vars()) if s.name == "marts_fct_mrr"]
    spoil = (
        "update marts.fct_mrr set mrr_eur = {value} where customer_month_id = "
        "(select min(customer_month_id) from marts.fct_mrr)"
    )
    with connect(postgres_build.settings) as pg, pg.cursor() as cursor:
        cursor.execute("select mrr_eur from marts.fct_mrr order by customer_month_id limit 1")
        (kept,) = cursor.fetchone()
        cursor.execute(spoil.format(value=-1))
    try:
        with connect(postgres_build.settings) as pg, pg.cursor() as cursor:
            outcomes = {suite.name: run_suite_on_postgres(cursor, suite)}
    finally:
        with connect(postgres_build.settings) as pg, pg.cursor() as cursor:
            cursor.execute(spoil.format(value=kept))
    # the same row breaks the bridge and ARR = 12 x MRR too
    assert {failure.split(", observed")[0] for failure in blocking_failures(outcomes)} == {
        f"marts_fct_mrr.{rule}: 1 failing rows"
        for rule in ("mrr_not_negative", "movement_reconciles", "arr_is_twelve_mrr")
    }


def test_a_failed_build_leaves_the_published_schemas_as_they_were(
    postgres_build: PostgresBuild, built: SessionBuild
) -> None:
    """A real `dbt build` that fails: fct_mrr alone into build schemas that hold only the
    incremental models' copies, where the other models it reads do not exist. Nothing is
    published; the marts read what they read before. (In the module build's target folder:
    dbt parses partially, not the whole project again.)"""
    target = Path(built.warehouse.database).parent / "postgres_target"
    query = "select count(*), sum(mrr_eur) from marts.fct_mrr"
    with connect(postgres_build.settings) as pg, pg.cursor() as cursor:
        cursor.execute(query)
        published = cursor.fetchone()
    assert published[0] > 0
    returncode = build_and_publish(
        postgres_build.settings, postgres_build.as_of_date, target, "--select", "fct_mrr"
    )
    assert returncode != 0
    results = json.loads((target / "run_results.json").read_text())["results"]
    (model,) = [result for result in results if result["unique_id"].startswith("model.")]
    assert model["status"] == "error" and "does not exist" in model["message"], model
    with connect(postgres_build.settings) as pg, pg.cursor() as cursor:
        cursor.execute(query)
        assert cursor.fetchone() == published


def _content(cursor: Any, relation: str) -> list[tuple[Any, ...]]:
    schema, table = relation.split(".")
    cursor.execute(
        "select column_name from information_schema.columns where table_schema = %s "
        "and table_name = %s order by ordinal_position",
        (schema, table),
    )
    columns = [row[0] for row in cursor.fetchall() if row[0] not in BOOKKEEPING]
    cursor.execute(f"select {', '.join(columns)} from {relation}")
    return comparable(cursor.fetchall())


@dataclass(frozen=True)
class IncrementalBuild:
    """The module's second build, one landing day after the first, over its published
    schemas; then a full refresh of the incremental models over the same parents."""

    settings: PostgresSettings
    success: bool
    # rows each raw table received on the new landing day (the generator's count)
    day_rows: dict[str, int]
    run_results: dict[str, Any]
    target: Path
    # relation -> its rows after the incremental build, and after the full refresh
    incremental: dict[str, list[tuple[Any, ...]]]
    full_refresh: dict[str, list[tuple[Any, ...]]]
    wall_s: float
    cpu_s: float


@pytest.fixture(scope="module")
def next_day_build(
    postgres_build: PostgresBuild,
    built: SessionBuild,
    landing: tuple[Path, dict[str, int]],
    tmp_path_factory: pytest.TempPathFactory,
) -> IncrementalBuild:
    """The next day's run on PostgreSQL: the company's next landing day generated beside a copy
    of its landing files and loaded into a copy of the session build's DuckDB file (an hour
    after the session's load); then what the `postgres_warehouse` asset does after extraction,
    as of that day, over the schemas the module's build published: the raw copy and
    `build_and_publish`, without the data tests and the marts' suites (the module's build ran
    them on the same models; here they would double the cost). Then `dbt build --full-refresh`
    of the incremental models alone, over the parents that build published: the reference each
    must equal. Last in the module: it publishes."""
    assert postgres_build.success
    settings = postgres_build.settings
    started, cpu_before = time.perf_counter(), _cpu_s()
    work = tmp_path_factory.mktemp("incremental_postgres")
    # copytree keeps the files' modification times, which the load ledger compares
    landing_dir = Path(shutil.copytree(landing[0], work / "landing"))
    day_rows = generate_day(landing_dir, NEXT_DAY, SAMPLE_SEED)
    database = work / "revops.duckdb"
    shutil.copyfile(built.warehouse.database, database)
    with duckdb.connect(str(database), read_only=True) as duck:
        (session_load,) = duck.execute("select max(loaded_at) from meta.loaded_files").fetchone()
    load_raw(database, landing_dir, session_load + timedelta(hours=1), day=NEXT_DAY)
    # The module build's parsed project: dbt parses partially, not the whole project again.
    module_target = Path(built.warehouse.database).parent / "postgres_target"
    target, refresh_target = work / "postgres_target", work / "full_refresh"
    for folder in (target, refresh_target):
        folder.mkdir()
        shutil.copyfile(module_target / "partial_parse.msgpack", folder / "partial_parse.msgpack")
    copy_raw(database, settings)
    returncode = build_and_publish(
        settings,
        NEXT_DAY.isoformat(),
        target,
        "--exclude-resource-type",
        "test",
        check_marts=False,
    )
    run_results = json.loads((target / "run_results.json").read_text())
    relations = [*EVENT_MODELS, *SCOPED_MODELS]
    with connect(settings) as pg, pg.cursor() as cursor:
        incremental = {relation: _content(cursor, relation) for relation in relations}
    # The full refresh reads the parents the build published, under the build schemas' names:
    # the schema suffix is one of the things dbt's parsed project depends on, so with the same
    # suffix dbt does not parse the whole project again. Swapped back after it.
    with connect(settings) as pg, pg.cursor() as cursor:
        for schema in BUILT_SCHEMAS:
            cursor.execute(f"alter schema {schema} rename to {schema}{BUILD_SUFFIX}")
    refresh = dbt_build(
        settings,
        NEXT_DAY.isoformat(),
        refresh_target,
        "--select",
        "config.materialized:incremental",
        "--exclude-resource-type",
        "test",
        "--full-refresh",
        schema_suffix=BUILD_SUFFIX,
    )
    connection = connect(settings)
    try:
        assert publish_schemas(connection) == list(BUILT_SCHEMAS)
    finally:
        connection.close()
    assert refresh.returncode == 0, refresh.stdout[-3000:]
    with connect(settings) as pg, pg.cursor() as cursor:
        full_refresh = {relation: _content(cursor, relation) for relation in relations}
    return IncrementalBuild(
        settings=settings,
        success=returncode == 0,
        day_rows=day_rows,
        run_results=run_results,
        target=target,
        incremental=incremental,
        full_refresh=full_refresh,
        wall_s=time.perf_counter() - started,
        cpu_s=_cpu_s() - cpu_before,
    )


def _cpu_s() -> float:
    """CPU seconds of this process and of its finished children (dbt)."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def test_the_next_days_build_on_postgres_is_incremental(
    next_day_build: IncrementalBuild,
) -> None:
    """Each incremental model ran its strategy over the published rows (a delete and an
    insert, no table created): an event model inserted the new landing day's rows alone,
    fct_mrr the months it rebuilds and the lead signals the days they rebuild, fewer than each
    holds. The health models rebuild every week
    here: the initial export landed within the lookback, so its first subscription event is
    where their rebuild starts (health_rebuild_from_week)."""
    build = next_day_build
    assert build.success
    inserted = {
        result["unique_id"].split(".")[-1]: result["adapter_response"]["rows_affected"]
        for result in build.run_results["results"]
        if result["unique_id"].startswith("model.")
    }
    for relation in [*EVENT_MODELS, *SCOPED_MODELS]:
        name = relation.split(".")[1]
        (run_sql,) = build.target.glob(f"run/**/{name}.sql")
        executed = run_sql.read_text()
        assert "delete from" in executed and not re.search(r"create\s+table", executed), name
    new_rows = {model: build.day_rows.get(raw, 0) for model, raw in EVENT_MODELS.items()}
    assert {model: inserted[model.split(".")[1]] for model in EVENT_MODELS} == new_rows
    assert sum(new_rows.values()) > 0
    assert 0 < inserted["fct_mrr"] < len(build.incremental["marts.fct_mrr"])
    signals = "intermediate.int_lead_signals_collected"
    assert 0 < inserted["int_lead_signals_collected"] < len(build.incremental[signals])
    for relation in ("intermediate.int_account_week_signals_computed", "marts.fct_account_health"):
        assert inserted[relation.split(".")[1]] == len(build.incremental[relation]), relation
    print(
        f"\nnext day on PostgreSQL, incremental build and full refresh: {build.wall_s:.1f} s "
        f"wall, {build.cpu_s:.1f} CPU-s (the server's aside); rows inserted: "
        + ", ".join(
            f"{model} {inserted[model.split('.')[1]]}" for model in [*EVENT_MODELS, *SCOPED_MODELS]
        )
    )


def test_the_incremental_build_on_postgres_equals_a_full_refresh(
    next_day_build: IncrementalBuild,
) -> None:
    """Model by model, the incremental build's rows are the full refresh's (the columns that
    say when a row was loaded or built aside)."""
    build = next_day_build
    report = []
    for relation, rows in build.full_refresh.items():
        assert build.incremental[relation] == rows, relation
        report.append(f"{relation}: {len(rows)} rows, {checksum(rows)}")
    print("\n" + "\n".join(report))


def test_the_target_setting_picks_the_job() -> None:
    assert job_for_target({}) == "full_build"
    assert job_for_target({"REVOPS_TARGET": "duckdb"}) == "full_build"
    assert job_for_target({"REVOPS_TARGET": "postgres"}) == "postgres_build"
    with pytest.raises(SystemExit, match="REVOPS_TARGET='postgress'"):
        job_for_target({"REVOPS_TARGET": "postgress"})


def test_a_suites_sql_reads_the_build_schemas() -> None:
    sql = "select a.x from marts.fct_mrr as a join intermediate.int_y using (k) -- marts."
    assert in_schemas(sql, "__build") == (
        "select a.x from marts__build.fct_mrr as a "
        "join intermediate__build.int_y using (k) -- marts."
    )
    assert in_schemas(sql, "") == sql


def test_the_postgres_job_extracts_then_builds_on_the_server_only(dbt_manifest: Path) -> None:
    from dagster_project.definitions import defs

    job = defs.resolve_job_def("postgres_build")
    ops = {node.name for node in job.nodes}
    assert {"postgres_warehouse", "raw__crm_deals", "gx_raw_crm_deals"} <= ops
    # neither DuckDB's dbt step, its mart checks nor its publish
    assert not ops & {"revops_dbt_assets", "published_warehouse", "gx_marts_fct_mrr"}
    # the build step's run config: a side run rebuilds PostgreSQL's incremental models
    assert build_step_config("postgres_build", False, served=False) == {
        "postgres_warehouse": {"config": {"full_refresh": True}}
    }
    for name, served in (("postgres_build", True), ("full_build", False)):
        config = {"ops": build_step_config(name, False, served)}
        assert dg.validate_run_config(defs.resolve_job_def(name), config), name
    full_build = {node.name for node in defs.resolve_job_def("full_build").nodes}
    assert "postgres_warehouse" not in full_build
    assert {"revops_dbt_assets", "published_warehouse", "gx_marts_fct_mrr"} <= full_build
