"""Headline metrics read from the marts: the right row of each, values computed by hand."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project.publishing.headline import Headline, read_headline
from dagster_project.publishing.headline_metrics import headline_metrics
from dagster_project.resources import WarehouseResource


def _marts(con: duckdb.DuckDBPyConnection) -> None:
    """The columns the headline reads, with rows chosen so each value has one right answer."""
    con.execute("create schema marts")
    con.execute(
        "create table marts.metrics_revenue_monthly as select * from (values "
        "(date '2026-08-01', 11000.0, 132000.0, 1.02, 0.91, 40), "
        "(date '2026-09-01', 12345.67, 148148.04, 1.05, 0.93, 42)"
        ") as t(month_start, mrr_end_eur, arr_eur, nrr, grr, active_customers)"
    )
    con.execute(
        "create table marts.metrics_sales_quarterly as select * from (values "
        "(date '2026-04-01', 'total', true, 0.25), "
        "(date '2026-04-01', 'rep', true, 0.5), "
        "(date '2026-01-01', 'total', true, 0.2), "
        "(date '2026-07-01', 'total', false, 0.9)"
        ") as t(quarter_start, grain, is_complete_quarter, win_rate)"
    )
    con.execute(
        "create table marts.metrics_funnel_monthly as select * from (values "
        "(date '2026-07-01', 'paid', 1, 1), "
        "(date '2026-08-01', 'paid', 10, 3), "
        "(date '2026-08-01', 'organic', 30, 9), "
        "(date '2026-09-01', 'paid', 5, 5)"
        ") as t(cohort_month, channel, mqls, mqls_converted_to_sql)"
    )


@pytest.fixture()
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect() as con:
        _marts(con)
        yield con


def test_point_in_time_values_for_the_as_of_month_and_rates_for_the_last_complete_period(
    con,
) -> None:
    headline = read_headline(con, "2026-09-15")

    assert headline == Headline(
        revenue_month="2026-09",
        mrr_eur=12345.67,
        arr_eur=148148.04,
        nrr=1.05,
        grr=0.93,
        active_customers=42,
        # Q3 is not complete on 2026-09-15; the total grain, not a rep's.
        win_rate_quarter="2026-Q2",
        win_rate=0.25,
        # September's cohort is still open; August summed over channels: (3 + 9) / (10 + 30).
        mql_cohort_month="2026-08",
        mql_to_sql_rate=0.3,
    )


def test_a_month_end_as_of_date_closes_that_month_cohort(con) -> None:
    headline = read_headline(con, "2026-09-30")

    assert (headline.mql_cohort_month, headline.mql_to_sql_rate) == ("2026-09", 1.0)
    assert headline.revenue_month == "2026-09"


def test_missing_rows_are_reported_as_unknown_not_as_zero(con) -> None:
    headline = read_headline(con, "2025-01-15")

    assert headline.mrr_eur is None and headline.mql_to_sql_rate is None
    assert headline.win_rate == 0.25  # quarters completed relative to the build's own as-of date
    assert headline.lines()[0] == "  MRR n/a: n/a (ARR n/a), n/a paying customers"


def test_lines_format_money_and_rates() -> None:
    lines = Headline(
        revenue_month="2026-09", mrr_eur=12345.67, arr_eur=148148.04, nrr=1.05, grr=0.93,
        active_customers=42, win_rate_quarter="2026-Q2", win_rate=0.25,
        mql_cohort_month="2026-08", mql_to_sql_rate=0.3,
    ).lines()  # fmt: skip

    assert lines == [
        "  MRR 2026-09: 12,346 EUR (ARR 148,148 EUR), 42 paying customers",
        "  NRR 2026-09: 105.0%, GRR 93.0%",
        "  win rate 2026-Q2: 25.0%",
        "  MQL->SQL 2026-08 cohort: 30.0%",
    ]


def test_the_asset_reports_the_published_warehouse_headline_as_metadata(tmp_path: Path) -> None:
    published = tmp_path / "revops.duckdb"
    with duckdb.connect(str(published)) as con:
        _marts(con)
    warehouse = WarehouseResource(
        database=str(tmp_path / "build.duckdb"),
        landing_dir=str(tmp_path),
        published_database=str(published),
        as_of_date="2026-09-15",
    )

    result = dg.materialize([headline_metrics], resources={"warehouse": warehouse})

    [materialization] = result.asset_materializations_for_node("headline_metrics")
    metadata = {key: value.value for key, value in materialization.metadata.items()}
    assert metadata["mrr_eur"] == 12345.67
    assert metadata["nrr"] == 1.05
    assert (metadata["win_rate_quarter"], metadata["win_rate"]) == ("2026-Q2", 0.25)
    assert metadata["mql_to_sql_rate"] == 0.3
    # Read-only: the build file was never opened.
    assert not (tmp_path / "build.duckdb").exists()
