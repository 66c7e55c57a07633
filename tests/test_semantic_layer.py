"""The semantic layer answers like the marts: `mf query` on a copy of the session's warehouse.

MetricFlow reads `<project>/target/semantic_manifest.json` and the dbt profile, so the test
gives a copy of the dbt project the session's semantic manifest and points the profile at a copy
of the built warehouse: the repository's dbt/target and the session's warehouse stay untouched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dagster_project.paths import DBT_PROJECT_DIR

BIN = Path(sys.executable).parent
MONTHLY_METRICS = ("mrr", "arr", "nrr", "grr", "mql_to_sql_conversion", "health_score_average")
QUARTERLY_METRICS = ("mrr", "win_rate", "pipeline_velocity")


@pytest.fixture(scope="module")
def mf_project(
    warehouse: Path, dbt_manifest: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("semantic")
    project = root / "dbt"
    shutil.copytree(
        DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", ".user.yml")
    )
    # The session's parse wrote the semantic manifest (dbt_manifest's folder); parsing the copy
    # again would only repeat it.
    (project / "target").mkdir()
    shutil.copy(dbt_manifest.parent / "semantic_manifest.json", project / "target")
    # Same file name as the published warehouse: dbt names the catalog after it.
    database = root / warehouse.name
    shutil.copy(warehouse, database)
    # Not the session's DBT_TARGET_PATH: MetricFlow reads <project>/target.
    env = {
        **{key: value for key, value in os.environ.items() if key != "DBT_TARGET_PATH"},
        "REVOPS_DUCKDB_PATH": str(database),
        "DBT_PROFILES_DIR": str(project),
        "DBT_PROJECT_DIR": str(project),
    }
    return project, env


@pytest.fixture(scope="module")
def con(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(warehouse), read_only=True)
    yield connection
    connection.close()


def mf_query(
    mf_project: tuple[Path, dict], metrics: tuple[str, ...], group_by: str
) -> pd.DataFrame:
    project, env = mf_project
    out = project / f"{group_by}.csv"
    completed = subprocess.run(
        [
            str(BIN / "mf"),
            "query",
            "--metrics",
            ",".join(metrics),
            "--group-by",
            group_by,
            "--csv",
            str(out),
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0 and out.exists(), completed.stdout + completed.stderr
    frame = pd.read_csv(out)
    frame[group_by] = pd.to_datetime(frame[group_by]).dt.date
    return frame.set_index(group_by).sort_index()


@pytest.fixture(scope="module")
def monthly(mf_project: tuple[Path, dict]) -> pd.DataFrame:
    return mf_query(mf_project, MONTHLY_METRICS, "metric_time__month")


@pytest.fixture(scope="module")
def quarterly(mf_project: tuple[Path, dict]) -> pd.DataFrame:
    return mf_query(mf_project, QUARTERLY_METRICS, "metric_time__quarter")


def _mart(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    frame = con.execute(sql).df()
    frame["period"] = pd.to_datetime(frame["period"]).dt.date
    return frame.set_index("period").sort_index()


def _assert_same(semantic: pd.Series, mart: pd.Series, tolerance: float) -> None:
    """Every period the mart defines has the same value in MetricFlow; nulls stay null."""
    mart = mart.astype(float)
    assert mart.notna().sum() > 0, mart.name
    joined = pd.concat([semantic.astype(float).rename("semantic"), mart.rename("mart")], axis=1)
    joined = joined.loc[mart.index]
    assert (joined.semantic.isna() == joined.mart.isna()).all(), joined[
        joined.semantic.isna() != joined.mart.isna()
    ]
    defined = joined.dropna()
    assert ((defined.semantic - defined.mart).abs() <= tolerance).all(), defined


def test_mrr_arr_nrr_grr_by_month_agree_with_the_revenue_mart(monthly, con) -> None:
    mart = _mart(
        con,
        "select month_start as period, mrr_end_eur, arr_eur, nrr, grr "
        "from marts.metrics_revenue_monthly",
    )

    _assert_same(monthly["mrr"], mart.mrr_end_eur, 0.005)
    _assert_same(monthly["arr"], mart.arr_eur, 0.05)
    _assert_same(monthly["nrr"], mart.nrr, 1e-9)
    _assert_same(monthly["grr"], mart.grr, 1e-9)


def test_mrr_by_quarter_is_the_last_month_never_a_sum(quarterly, con) -> None:
    mart = _mart(
        con,
        "select date_trunc('quarter', month_start) as period, "
        "arg_max(mrr_end_eur, month_start) as last_month_mrr, sum(mrr_end_eur) as summed_mrr "
        "from marts.metrics_revenue_monthly group by 1",
    )

    _assert_same(quarterly["mrr"], mart.last_month_mrr, 0.005)
    assert (quarterly["mrr"].loc[mart.index] < mart.summed_mrr.astype(float)).all()


def test_mql_to_sql_conversion_agrees_with_the_funnel_mart(monthly, con) -> None:
    mart = _mart(
        con,
        "select cohort_month as period, mql_to_sql_rate from marts.metrics_funnel_monthly "
        "where channel = 'all'",
    )

    _assert_same(monthly["mql_to_sql_conversion"], mart.mql_to_sql_rate, 1e-9)


def test_win_rate_and_pipeline_velocity_agree_with_the_sales_mart(quarterly, con) -> None:
    mart = _mart(
        con,
        "select quarter_start as period, win_rate, pipeline_velocity_eur_per_day "
        "from marts.metrics_sales_quarterly where grain = 'total'",
    )
    closed = mart[mart.win_rate.notna()]

    _assert_same(quarterly["win_rate"], closed.win_rate, 1e-9)
    _assert_same(quarterly["pipeline_velocity"], mart.pipeline_velocity_eur_per_day, 1e-6)


def test_health_score_average_agrees_with_the_health_mart(monthly, con) -> None:
    mart = _mart(
        con,
        "select date_trunc('month', week_start) as period, avg(health_score) as average "
        "from marts.fct_account_health group by 1",
    )

    _assert_same(monthly["health_score_average"], mart.average, 1e-9)
