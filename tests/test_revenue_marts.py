"""The revenue, health, segment and SLA marts on the session's end-to-end build (fixed seed).

Invariants read their configuration from dbt_project.yml, as the models do. Exact values are
recomputed here from the staged Stripe events with an independent method (pandas: the last event
of each subscription before an instant, an as-of lookup on the raw FX quotes instead of the
daily rate table), never copied from the marts' output.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dagster_project.metric_config import metric_vars

MONTHS_PER_INTERVAL = {"month": 1, "year": 12}
EVENT_ORDER = {
    "customer.subscription.created": 1,
    "customer.subscription.updated": 2,
    "customer.subscription.deleted": 3,
}


@pytest.fixture(scope="module")
def con(build_warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    # The build file: the checks recount the marts from staging, which is not served.
    connection = duckdb.connect(str(build_warehouse), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def as_of(con: duckdb.DuckDBPyConnection) -> date:
    (as_of_date,) = con.execute("select as_of_date from meta.warehouse_version").fetchone()
    return as_of_date if isinstance(as_of_date, date) else date.fromisoformat(str(as_of_date))


@pytest.fixture(scope="module")
def billing(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    return {
        "events": con.execute(
            "select event_id, event_type, occurred_at, subscription_id, customer_id, status, "
            "currency, discount_percent_off, discount_duration "
            "from staging.stg_billing__subscription_events"
        ).df(),
        "items": con.execute(
            "select event_id, product_id, quantity, unit_amount, billing_interval, interval_count "
            "from staging.stg_billing__subscription_event_items"
        ).df(),
        "rates": con.execute(
            "select rate_date, currency, rate_to_eur from staging.stg_billing__fx_rates"
        ).df(),
    }


def _month_end(month_start: date, as_of: date) -> date:
    last = month_start.replace(day=calendar.monthrange(month_start.year, month_start.month)[1])
    return min(last, as_of)


def _rate_on(rates: pd.DataFrame, currency: str, day: date) -> float:
    """EUR per unit on `day`: the last quote published on or before it (EUR is 1)."""
    if currency == "EUR":
        return 1.0
    quotes = rates[(rates.currency == currency) & (rates.rate_date <= pd.Timestamp(day))]
    return float(quotes.sort_values("rate_date").iloc[-1].rate_to_eur)


def independent_mrr(billing: dict[str, pd.DataFrame], snapshot: date) -> dict[str, Decimal]:
    """Each customer's MRR in EUR at the end of `snapshot`, from the raw subscription history."""
    config = metric_vars()
    end = pd.Timestamp(snapshot + timedelta(days=1))
    events = billing["events"][billing["events"].occurred_at < end].copy()
    events["order"] = events.event_type.map(EVENT_ORDER)
    latest = (
        events.sort_values(["subscription_id", "occurred_at", "order", "event_id"])
        .groupby("subscription_id")
        .tail(1)
    )
    paying = latest[latest.status.isin(config["mrr_paid_statuses"])]

    items = billing["items"].dropna(subset=["billing_interval"])
    lines = paying.merge(items, on="event_id")
    discounted = lines.discount_duration.isin(config["mrr_discount_durations"])
    percent_off = lines.discount_percent_off.where(discounted & lines.discount_percent_off.notna())

    # Exact rationals: an item's monthly share and the coupon, summed per customer, then one
    # rounding of the sum half up, as the published amounts round.
    monthly: dict[tuple[str, str], Fraction] = {}
    for line, off in zip(lines.itertuples(), percent_off, strict=True):
        months = MONTHS_PER_INTERVAL[line.billing_interval] * int(line.interval_count)
        keep = 1 - (Fraction(0) if pd.isna(off) else Fraction(str(off)) / 100)
        share = Fraction(str(line.unit_amount)) * int(line.quantity) / months * keep
        key = (line.customer_id, line.currency)
        monthly[key] = monthly.get(key, Fraction(0)) + share

    mrr: dict[str, Decimal] = {}
    for (customer, currency), amount in monthly.items():
        local = _half_up_cents(amount)
        rate = Fraction(repr(_rate_on(billing["rates"], currency, snapshot)))
        eur = _half_up_cents(Fraction(local) * rate)
        if eur > 0:
            mrr[customer] = eur
    return mrr


def _half_up_cents(amount: Fraction) -> Decimal:
    """A non-negative amount to the cent, a half cent up (337.365 -> 337.37)."""
    return Decimal(math.floor(amount * 100 + Fraction(1, 2))).scaleb(-2)


def _months(con: duckdb.DuckDBPyConnection) -> list[date]:
    return [
        row[0]
        for row in con.execute(
            "select month_start from marts.metrics_revenue_monthly order by month_start"
        ).fetchall()
    ]


def test_mrr_bridge_reconciles_to_the_cent_every_month(con) -> None:
    rows = con.execute(
        "select month_start, mrr_start_eur, carried_in_mrr_eur, new_mrr_eur, expansion_mrr_eur, "
        "reactivation_mrr_eur, contraction_mrr_eur, churned_mrr_eur, mrr_end_eur "
        "from marts.metrics_revenue_monthly order by month_start"
    ).fetchall()
    per_month_fact = dict(
        con.execute("select month_start, sum(mrr_eur) from marts.fct_mrr group by 1").fetchall()
    )

    assert len(rows) > 24, "the sample should cover more than two years of billing"
    previous_end = Decimal("0")
    for month, start, carried_in, new, expansion, reactivation, contraction, churn, end in rows:
        assert all(isinstance(v, Decimal) for v in (start, new, expansion, end)), month
        assert end == start + new + expansion + reactivation - contraction - churn, month
        assert start == previous_end + carried_in, month
        assert end == per_month_fact.get(month, Decimal("0")), month
        previous_end = end


def test_mrr_is_never_negative_and_movements_match_their_sign(con) -> None:
    (negative,) = con.execute(
        "select count(*) from marts.fct_mrr where mrr_eur < 0 or mrr_start_eur < 0"
    ).fetchone()
    signs = dict(
        con.execute(
            "select movement_type, max(sign(movement_eur)) from marts.fct_mrr "
            "where movement_type in ('churn', 'contraction') group by 1"
        ).fetchall()
    )

    assert negative == 0
    assert signs == {"churn": -1, "contraction": -1}


def test_grr_never_exceeds_nrr_nor_one(con) -> None:
    rows = con.execute(
        "select month_start, nrr, grr from marts.metrics_revenue_monthly where nrr is not null"
    ).fetchall()

    assert rows, "the sample should have twelve months of history before the as-of date"
    for month, nrr, grr in rows:
        assert 0 <= grr <= 1, month
        assert grr <= nrr, month


def test_month_end_mrr_matches_an_independent_recomputation(con, billing, as_of) -> None:
    """Every customer's MRR at three month ends, recomputed from the raw event history."""
    months = _months(con)
    for month in (months[len(months) // 3], months[-13], months[-1]):
        expected = independent_mrr(billing, _month_end(month, as_of))
        actual = dict(
            con.execute(
                "select customer_id, mrr_eur from marts.fct_mrr "
                "where month_start = ? and mrr_eur > 0",
                [month],
            ).fetchall()
        )

        assert actual.keys() == expected.keys(), month
        assert actual == expected, month


def test_nrr_and_grr_match_an_independent_cohort(con, billing, as_of) -> None:
    window = metric_vars()["nrr_window_months"]
    months = _months(con)
    now, then = months[-1], months[-1 - window]
    mrr_now = independent_mrr(billing, _month_end(now, as_of))
    mrr_then = independent_mrr(billing, _month_end(then, as_of))
    base = sum(mrr_then.values())
    nrr = sum(mrr_now.get(c, Decimal(0)) for c in mrr_then) / base
    grr = sum(min(mrr_now.get(c, Decimal(0)), m) for c, m in mrr_then.items()) / base

    mart_nrr, mart_grr = con.execute(
        "select nrr, grr from marts.metrics_revenue_monthly where month_start = ?", [now]
    ).fetchone()

    assert mart_nrr == pytest.approx(float(nrr), abs=1e-4)
    assert mart_grr == pytest.approx(float(grr), abs=1e-4)


def test_new_and_reactivated_customers_match_an_independent_count(con, billing, as_of) -> None:
    """First paying month end: new (or carried in); paying again after a month without: back."""
    expected: dict[date, tuple[int, int]] = {}
    ever: set[str] = set()
    previous: set[str] = set()
    for month in _months(con):
        paying = set(independent_mrr(billing, _month_end(month, as_of)))
        expected[month] = (len(paying - ever), len((paying - previous) & ever))
        ever |= paying
        previous = paying
    actual = {
        month: (new + carried_in, reactivated)
        for month, new, carried_in, reactivated in con.execute(
            """
            select
                month_start,
                count(*) filter (where movement_type = 'new'),
                count(*) filter (where is_carried_in),
                count(*) filter (where movement_type = 'reactivation')
            from marts.fct_mrr
            group by month_start
            """
        ).fetchall()
    }

    assert sum(new for new, _ in expected.values()) > 10
    assert {month: actual.get(month, (0, 0)) for month in expected} == expected


def test_churn_is_recorded_the_month_after_the_last_paid_month(con) -> None:
    rows = con.execute(
        """
        select churn.customer_id, churn.month_start, churn.churned_at, previous.mrr_eur
        from marts.fct_mrr as churn
        left join marts.fct_mrr as previous
            on previous.customer_id = churn.customer_id
            and previous.month_start = churn.month_start - interval 1 month
        where churn.movement_type = 'churn'
        """
    ).fetchall()

    assert rows, "the sample should have churned customers"
    for customer, month, churned_at, previous_mrr in rows:
        assert previous_mrr is not None and previous_mrr > 0, customer
        assert month <= churned_at.date() < (pd.Timestamp(month) + pd.DateOffset(months=1)).date()


def test_health_score_is_the_configured_weighted_sum_and_band(con) -> None:
    config = metric_vars()
    weights = config["health_weights"]
    frame = con.execute("select * from marts.fct_account_health").df()
    score = sum(weights[name] * frame[f"{name}_score"] for name in weights)
    # The band is read from the published (rounded) score.
    band = pd.Series("red", index=frame.index)
    band[frame.health_score >= config["health_yellow_min"]] = "yellow"
    band[frame.health_score >= config["health_green_min"]] = "green"

    assert len(frame) > 100
    assert (score - frame.health_score).abs().max() <= 0.005 + 1e-9
    assert (band == frame.health_band).all()


def test_red_accounts_churn_more_than_green(con) -> None:
    rates = dict(
        con.execute("select health_band, churn_rate from marts.metrics_health_backtest").fetchall()
    )
    weeks = dict(
        con.execute(
            "select health_band, account_weeks from marts.metrics_health_backtest"
        ).fetchall()
    )

    assert weeks["red"] > 0 and weeks["green"] > 0, weeks
    assert rates["red"] > rates["green"], rates
    assert rates["red"] > rates["yellow"], rates


def test_segments_follow_the_revenue_cut_offs(con) -> None:
    config = metric_vars()
    frame = con.execute(
        "select company_id, trailing_revenue_eur, weight_class from marts.fct_account_segments"
    ).df()
    paying = frame[frame.trailing_revenue_eur > 0].sort_values(
        ["trailing_revenue_eur", "company_id"], ascending=[False, True]
    )
    revenue = paying.trailing_revenue_eur.astype(float)
    before = (revenue.cumsum() - revenue) / revenue.sum()
    expected = pd.Series("C", index=paying.index)
    expected[before < config["segment_weight_b_min_share"]] = "B"
    expected[before < config["segment_weight_a_min_share"]] = "A"

    assert (paying.weight_class == expected).all()
    assert (frame[frame.trailing_revenue_eur <= 0].weight_class == "C").all()
    assert set(paying.weight_class) == {"A", "B", "C"}


def test_sla_rows_compare_actual_with_configured_targets(con, as_of) -> None:
    config = metric_vars()
    targets = dict(
        con.execute("select distinct sla, target from marts.metrics_sla_monthly").fetchall()
    )
    months, last_month = con.execute(
        "select count(distinct month_start), max(month_start) from marts.metrics_sla_monthly"
    ).fetchone()
    (rows,) = con.execute("select count(*) from marts.metrics_sla_monthly").fetchone()
    nrr_rows = con.execute(
        "select s.actual, s.is_met, r.nrr from marts.metrics_sla_monthly as s "
        "join marts.metrics_revenue_monthly as r using (month_start) where s.sla = 'nrr'"
    ).fetchall()

    assert targets == {
        "sqls_delivered": config["sla_marketing_sqls_per_month"],
        "lead_response_hours": config["response_sla_hours"],
        "sql_to_opportunity_rate": config["sql_to_opportunity_target"],
        "nrr": config["nrr_sla_target"],
        "onboarding_csat": config["sla_onboarding_csat_min"],
    }
    assert rows == 5 * months
    for actual, is_met, nrr in nrr_rows:
        assert actual == nrr
        assert is_met == (None if nrr is None else nrr > config["nrr_sla_target"])
    assert last_month == as_of.replace(day=1)
