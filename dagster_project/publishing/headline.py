"""The run's headline metrics, read from the public marts: MRR, ARR, NRR, GRR, win rate, MQL->SQL.

Reported as materialization metadata of `headline_metrics` (the UI plots numeric metadata run
after run) and printed by `make run`. Each value is read from the mart that defines it; nothing
is recomputed here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

import duckdb

# The as-of month: MRR and retention are point-in-time values, reported for the month the run is
# "as of" (the marts close that month at the as-of date).
_REVENUE = """
    select strftime(month_start, '%Y-%m'), mrr_end_eur, arr_eur, nrr, grr, active_customers
    from marts.metrics_revenue_monthly
    where month_start = date_trunc('month', ?::date)
"""
# Rates are reported for the last complete period: a partial quarter or month would swing with
# the day of the run.
_WIN_RATE = """
    select strftime(quarter_start, '%Y') || '-Q' || quarter(quarter_start), win_rate
    from marts.metrics_sales_quarterly
    where grain = 'total' and is_complete_quarter
    order by quarter_start desc
    limit 1
"""
_MQL_TO_SQL = """
    select strftime(cohort_month, '%Y-%m'), sum(mqls_converted_to_sql) / nullif(sum(mqls), 0)
    from marts.metrics_funnel_monthly
    where last_day(cohort_month) <= ?::date
    group by cohort_month
    order by cohort_month desc
    limit 1
"""


@dataclass(frozen=True)
class Headline:
    """Headline values of one warehouse; a period label says which period each value is for."""

    revenue_month: str | None = None
    mrr_eur: float | None = None
    arr_eur: float | None = None
    nrr: float | None = None
    grr: float | None = None
    active_customers: int | None = None
    win_rate_quarter: str | None = None
    win_rate: float | None = None
    mql_cohort_month: str | None = None
    mql_to_sql_rate: float | None = None

    def metadata(self) -> dict[str, float | int | str | None]:
        return asdict(self)

    def lines(self) -> list[str]:
        def text(value: object) -> str:
            return "n/a" if value is None else str(value)

        def pct(value: float | None) -> str:
            return "n/a" if value is None else f"{value:.1%}"

        def eur(value: float | None) -> str:
            return "n/a" if value is None else f"{value:,.0f} EUR"

        month = text(self.revenue_month)
        return [
            f"  MRR {month}: {eur(self.mrr_eur)} (ARR {eur(self.arr_eur)}), "
            f"{text(self.active_customers)} paying customers",
            f"  NRR {month}: {pct(self.nrr)}, GRR {pct(self.grr)}",
            f"  win rate {text(self.win_rate_quarter)}: {pct(self.win_rate)}",
            f"  MQL->SQL {text(self.mql_cohort_month)} cohort: {pct(self.mql_to_sql_rate)}",
        ]


def _float(value: object) -> float | None:
    return None if value is None else float(value)


def read_headline(con: duckdb.DuckDBPyConnection, as_of_date: str | date) -> Headline:
    revenue = con.execute(_REVENUE, [str(as_of_date)]).fetchone() or (None,) * 6
    win = con.execute(_WIN_RATE).fetchone() or (None, None)
    mql = con.execute(_MQL_TO_SQL, [str(as_of_date)]).fetchone() or (None, None)
    return Headline(
        revenue_month=revenue[0],
        mrr_eur=_float(revenue[1]),
        arr_eur=_float(revenue[2]),
        nrr=_float(revenue[3]),
        grr=_float(revenue[4]),
        active_customers=revenue[5],
        win_rate_quarter=win[0],
        win_rate=_float(win[1]),
        mql_cohort_month=mql[0],
        mql_to_sql_rate=_float(mql[1]),
    )
