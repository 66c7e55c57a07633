"""The role scorecards add up to the company-level marts, on the session's sample company.

Each role's results are split by rep; the parts a company mart also counts (SQLs, MQLs measured,
bookings, closed deals, deals reaching a stage, customers at the start of a month, churned
customers, NRR bases) must sum over the role's reps to the company's figure, period by period:
a lead, deal or customer lost or counted twice between the two would show here. The results are
read before the configuration picks each role's (the intermediate models of the session's build
file), so every result is checked whichever ones a role shows; builds nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from dagster_project.metric_config import metric_vars


@pytest.fixture(scope="module")
def con(build_warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect(str(build_warehouse), read_only=True) as connection:
        yield connection


def _role_sums(
    con: duckdb.DuckDBPyConnection, roles: tuple[str, ...], grain: str, result: str
) -> dict:
    """Per period: the sum over the roles' reps of the actual, the sample and actual x sample
    (the numerator of a rate, rounded to a whole count)."""
    rows = con.execute(
        """
        with results as (
            select * from intermediate.int_sdr_results_computed
            union all
            select * from intermediate.int_ae_results_computed
            union all
            select * from intermediate.int_book_results_computed
        )
        select reps.period_start, sum(results.actual), sum(results.sample_size),
            sum(round(coalesce(results.actual, 0) * results.sample_size))
        from results
        join intermediate.int_rep_periods_spined as reps using (rep_period_id)
        where list_contains(?, reps.role) and reps.period_grain = ? and results.result = ?
        group by reps.period_start
        """,
        [list(roles), grain, result],
    ).fetchall()
    return {period: (actual, sample, numerator) for period, actual, sample, numerator in rows}


def test_sdr_scorecards_add_up_to_the_funnel_and_the_slas(con) -> None:
    delivered = _role_sums(con, ("SDR",), "month", "sqls_delivered")
    response = _role_sums(con, ("SDR",), "month", "median_response_hours")
    conversion = _role_sums(con, ("SDR",), "month", "sql_to_opportunity_rate")
    slas = con.execute(
        "select month_start, sla, actual, sample_size from marts.metrics_sla_monthly "
        "where sla in ('sqls_delivered', 'lead_response_hours')"
    ).fetchall()
    funnel = con.execute(
        "select cohort_month, sqls, sqls_converted_to_opportunity "
        "from marts.metrics_funnel_monthly where channel = 'all'"
    ).fetchall()

    assert sum(sqls for sqls, _, _ in delivered.values()) > 20
    for month, sla, actual, sample in slas:
        if sla == "sqls_delivered":
            assert delivered.get(month, (0, 0, 0))[0] == actual, month
        else:
            assert response.get(month, (None, 0, 0))[1] == sample, month
    for month, sqls, converted in funnel:
        assert conversion[month][1:] == (sqls, converted), month


def test_ae_scorecards_add_up_to_the_quarterly_sales_metrics(con) -> None:
    bookings = _role_sums(con, ("AE",), "quarter", "bookings_eur")
    closed = _role_sums(con, ("AE",), "quarter", "win_rate")
    company = con.execute(
        "select quarter_start, won_amount_eur, deals_won, deals_lost "
        "from marts.metrics_sales_quarterly where grain = 'total'"
    ).fetchall()

    conversion = _role_sums(con, ("AE",), "quarter", "stage_conversion_rate")
    stages = con.execute(
        "select quarter_start, deals_reached_stage, deals_reached_next_stage "
        "from marts.metrics_sales_quarterly where grain = 'stage' and grain_value = ?",
        [metric_vars()["scorecard_conversion_stage"]],
    ).fetchall()

    assert sum(won for _, won, _, _ in company) > 0
    for quarter, won_eur, won, lost in company:
        assert round(bookings[quarter][0], 2) == float(won_eur), quarter
        assert bookings[quarter][1] == won, quarter
        assert closed[quarter][1] == won + lost, quarter
    assert sum(reached for _, reached, _ in stages) > 0
    for quarter, reached, reached_next in stages:
        assert conversion[quarter][1:] == (reached, reached_next), quarter


def test_csm_and_am_books_add_up_to_the_revenue_and_renewal_metrics(con) -> None:
    owners = ("CSM", "AM")
    churn = _role_sums(con, owners, "month", "logo_churn_rate")
    retention = _role_sums(con, owners, "month", "nrr")
    company = con.execute(
        "select month_start, customers_start, churned_customers, coalesce(nrr_base_customers, 0) "
        "from marts.metrics_revenue_monthly"
    ).fetchall()
    # Both account-owning roles hold paying customers in the sample company.
    renewals = _role_sums(con, owners, "quarter", "renewal_rate_arr")
    decided = con.execute(
        "select quarter_start, renewals_decided from marts.metrics_renewals_quarterly "
        "where quarter_start >= (select min(period_start) from intermediate.int_rep_periods_spined)"
    ).fetchall()
    customers_by_role = {
        role: sum(sample for _, sample, _ in _role_sums(con, (role,), "month", "nrr").values())
        for role in owners
    }

    assert customers_by_role["CSM"] > 0 and customers_by_role["AM"] > 0
    assert sum(churned for _, _, churned, _ in company) > 0
    for month, customers_start, churned, nrr_base in company:
        _, sample, numerator = churn.get(month, (None, 0, 0))
        assert (sample, numerator) == (customers_start, churned), month
        assert retention.get(month, (None, 0, 0))[1] == nrr_base, month
    assert sum(count for _, count in decided) > 0
    for quarter, count in decided:
        assert renewals.get(quarter, (None, 0, 0))[1] == count, quarter
