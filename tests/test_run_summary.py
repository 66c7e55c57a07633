"""The run summary: exact row counts of the public tables, and where a person reads on."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from dagster_project.cli.summary import exact_row_counts, where_lines
from dagster_project.publishing.headline import Headline


def test_row_counts_are_counted_not_estimated(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "revops.duckdb")) as con:
        con.execute("create schema marts")
        con.execute("create schema staging")
        con.execute("create table marts.fct_mrr as select range as id from range(5063)")
        # duckdb_tables().estimated_size still says 5,063 after this delete.
        con.execute("delete from marts.fct_mrr where id >= 5000")
        con.execute('create table marts."Odd Name" as select 1 as id')
        con.execute("create table staging.stg_crm__deals as select 1 as id")

        assert exact_row_counts(con) == [("marts.Odd Name", 1), ("marts.fct_mrr", 5000)]


def test_the_summary_says_where_the_reports_log_and_ui_are(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / ".dagster_home"))
    served = tmp_path / "warehouse" / "revops.duckdb"
    (served.parent / "quality").mkdir(parents=True)
    (served.parent / "quality" / "index.html").write_text("<html></html>")

    lines = where_lines(served, tmp_path / "logs" / "run-20261001T060000Z.log")

    # No metrics report was published beside this warehouse: it is not named.
    assert lines == [
        "quality report: warehouse/quality/index.html",
        "run log: logs/run-20261001T060000Z.log (--verbose prints it here)",
        "Dagster UI: `make dev` (or `dg dev`), then http://127.0.0.1:3000; runs are recorded in "
        ".dagster_home",
    ]
    (served.parent / "report").mkdir()
    (served.parent / "report" / "index.html").write_text("<html></html>")
    assert (
        where_lines(served, tmp_path / "x.log")[0] == "metrics report: warehouse/report/index.html"
    )


def test_headline_metrics_read_as_euros_and_percentages() -> None:
    headline = Headline(
        revenue_month="2026-09",
        mrr_eur=281450.57,
        arr_eur=3377406.84,
        nrr=1.0746177963450503,
        grr=0.9057971845046735,
        active_customers=169,
        win_rate_quarter="2026-Q3",
        win_rate=0.23809523809523808,
    )

    assert headline.lines() == [
        "  MRR 2026-09: 281,451 EUR (ARR 3,377,407 EUR), 169 paying customers",
        "  NRR 2026-09: 107.5%, GRR 90.6%",
        "  win rate 2026-Q3: 23.8%",
        "  MQL->SQL n/a cohort: n/a",
    ]
