"""The metrics report: one static HTML page of charts, published with each warehouse version.

`<warehouse dir>/report/index.html` reads only the served warehouse's public marts (the numbers
a BI tool would show), draws its charts as inline SVG (publishing/svg_charts.py) and needs no
network: no script, no font, no stylesheet from elsewhere. Each section links to the dbt docs
page that defines its metric; targets come from the dbt vars (metric_config.py), never from here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from html import escape
from pathlib import Path

import duckdb

from dagster_project import duckdb_limits
from dagster_project.metric_config import metric_vars
from dagster_project.publishing import svg_charts as svg
from dagster_project.publishing.svg_charts import Series, Step
from dagster_project.sql_text import sql_text

# Where `make dbt-docs` serves the definitions; a team hosting dbt docs elsewhere sets this.
DBT_DOCS_URL_ENV = "REVOPS_DBT_DOCS_URL"
DEFAULT_DBT_DOCS_URL = "http://127.0.0.1:8080/"
PROJECT = "revops_warehouse"
# Movements of the MRR bridge, in the order they change the month's opening MRR, with their
# sign: the mart publishes contraction and churn as positive amounts.
BRIDGE = (
    ("carried_in_mrr_eur", "carried in", 1),
    ("new_mrr_eur", "new", 1),
    ("expansion_mrr_eur", "expansion", 1),
    ("reactivation_mrr_eur", "reactivation", 1),
    ("contraction_mrr_eur", "contraction", -1),
    ("churned_mrr_eur", "churn", -1),
)
BRIDGE_MONTHS = 12
FUNNEL_STEPS = (
    ("leads", "mqls", "lead -> MQL"),
    ("mqls", "mqls_converted_to_sql", "MQL -> SQL"),
    ("sqls", "sqls_converted_to_opportunity", "SQL -> opportunity"),
    ("opportunities", "opportunities_won", "opportunity -> won"),
)


def report_path(published: Path) -> Path:
    return published.parent / "report" / "index.html"


def docs_link(kind: str, name: str) -> str:
    base = os.environ.get(DBT_DOCS_URL_ENV, DEFAULT_DBT_DOCS_URL)
    return f"{base}#!/{kind}/{kind}.{PROJECT}.{name}"


@dataclass(frozen=True)
class Section:
    title: str
    body: str
    definitions: tuple[tuple[str, str, str], ...]  # (kind, name, label) of dbt docs pages

    def html(self) -> str:
        links = ", ".join(
            f'<a href="{escape(docs_link(kind, name))}">{escape(label)}</a>'
            for kind, name, label in self.definitions
        )
        return (
            f"<section><h2>{escape(self.title)}</h2>{self.body}"
            f'<p class="def">Definitions: {links}</p></section>'
        )


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    # Dates are inlined, not bound: a connection's first statement with parameters costs
    # seconds on a warehouse file (see sql_text.py).
    return con.execute(sql).fetchall()


def _date(value: date) -> str:
    return f"date {sql_text(value.isoformat())}"


def _month(value: date) -> str:
    return value.strftime("%Y-%m")


def _quarter(value: date) -> str:
    return f"{value.year}-Q{(value.month - 1) // 3 + 1}"


def _num(value: object) -> float | None:
    return None if value is None else float(value)


def revenue_sections(con: duckdb.DuckDBPyConnection, as_of: date) -> list[Section]:
    months = _rows(
        con,
        "select month_start, mrr_start_eur, mrr_end_eur, arr_eur, nrr, grr, "
        + ", ".join(column for column, _, _ in BRIDGE)
        + f" from marts.metrics_revenue_monthly where month_start <= {_date(as_of)} "
        "order by month_start",
    )
    steps: list[Step] = []
    window = months[-BRIDGE_MONTHS:]
    if window:
        first = window[0]
        steps.append(Step(f"{_month(first[0])} open", "MRR at month start", float(first[1]), True))
    for row in window:
        label = _month(row[0])
        for index, (_, movement, sign) in enumerate(BRIDGE):
            value = sign * float(row[6 + index] or 0)
            if value:
                steps.append(Step(label, movement, value))
        steps.append(Step(f"{label} end", "MRR at month end", float(row[2]), True))
    categories = [_month(row[0]) for row in months]
    target = float(metric_vars()["nrr_sla_target"])
    retention = [row for row in months if row[4] is not None]
    return [
        Section(
            f"MRR bridge, last {len(window)} months",
            svg.waterfall("MRR bridge by month (EUR)", steps, svg.eur),
            (("model", "metrics_revenue_monthly", "MRR bridge"), ("metric", "mrr", "MRR")),
        ),
        Section(
            "MRR and ARR",
            svg.line_chart(
                "MRR and ARR at month end (EUR)",
                categories,
                [
                    Series("MRR", [_num(row[2]) for row in months]),
                    Series("ARR", [_num(row[3]) for row in months]),
                ],
                svg.eur,
            ),
            (("metric", "mrr", "MRR"), ("metric", "arr", "ARR")),
        ),
        Section(
            "Net and gross revenue retention, trailing 12 months",
            svg.line_chart(
                "NRR and GRR against the target",
                [_month(row[0]) for row in retention],
                [
                    Series("NRR", [_num(row[4]) for row in retention]),
                    Series("GRR", [_num(row[5]) for row in retention]),
                ],
                svg.pct,
                target=("target", target),
            ),
            (("metric", "nrr", "NRR"), ("metric", "grr", "GRR")),
        ),
    ]


def funnel_sections(con: duckdb.DuckDBPyConnection, as_of: date) -> list[Section]:
    # Complete cohorts only: a cohort still filling swings with the day of the run.
    rows = _rows(
        con,
        "select cohort_month, channel, mql_to_sql_rate from marts.metrics_funnel_monthly "
        f"where last_day(cohort_month) <= {_date(as_of)} and channel <> 'all' "
        "order by cohort_month, channel",
    )
    cohorts = sorted({row[0] for row in rows})[-BRIDGE_MONTHS:]
    channels = sorted({row[1] for row in rows})
    rate = {(row[0], row[1]): _num(row[2]) for row in rows}
    sums = ", ".join(f"sum({a}), sum({b})" for a, b, _ in FUNNEL_STEPS)
    by_channel = _rows(
        con,
        f"select channel, {sums} from marts.metrics_funnel_monthly "
        f"where cohort_month >= {_date(cohorts[0] if cohorts else as_of)} "
        f"and last_day(cohort_month) <= {_date(as_of)} and channel <> 'all' "
        "group by channel order by channel",
    )
    step_rates = [
        Series(
            row[0],
            [
                (row[2 + 2 * i] / row[1 + 2 * i]) if row[1 + 2 * i] else None
                for i in range(len(FUNNEL_STEPS))
            ],
        )
        for row in by_channel
    ]
    return [
        Section(
            "Funnel conversion by cohort and channel",
            svg.line_chart(
                "MQL -> SQL conversion by lead cohort month and channel",
                [_month(cohort) for cohort in cohorts],
                [Series(ch, [rate.get((cohort, ch)) for cohort in cohorts]) for ch in channels],
                svg.pct,
            )
            + svg.bar_chart(
                f"Conversion per funnel step by channel, cohorts of the last {len(cohorts)} "
                "complete months",
                [label for _, _, label in FUNNEL_STEPS],
                step_rates,
                svg.pct,
            ),
            (
                ("model", "metrics_funnel_monthly", "funnel by cohort"),
                ("metric", "mql_to_sql_conversion", "MQL -> SQL conversion"),
            ),
        )
    ]


def sales_sections(con: duckdb.DuckDBPyConnection) -> list[Section]:
    rows = _rows(
        con,
        "select quarter_start, win_rate, median_sales_cycle_days, pipeline_coverage, "
        "forecast_accuracy from marts.metrics_sales_quarterly where grain = 'total' "
        "order by quarter_start",
    )
    quarters = [_quarter(row[0]) for row in rows]

    def column(index: int) -> list[float | None]:
        return [_num(row[index]) for row in rows]

    return [
        Section(
            "Win rate and sales cycle by quarter",
            svg.line_chart(
                "Win rate by close quarter", quarters, [Series("win rate", column(1))], svg.pct
            )
            + svg.bar_chart(
                "Median sales cycle of won deals", quarters, [Series("days", column(2))], svg.days
            ),
            (
                ("model", "metrics_sales_quarterly", "sales by quarter"),
                ("metric", "win_rate", "win rate"),
            ),
        ),
        Section(
            "Pipeline coverage and forecast accuracy",
            svg.line_chart(
                "Pipeline coverage (open pipeline closing in the quarter / quota)",
                quarters,
                [Series("coverage", column(3))],
                svg.times,
            )
            + svg.line_chart(
                "Forecast accuracy (weighted forecast vs won)",
                quarters,
                [Series("forecast accuracy", column(4))],
                svg.pct,
            ),
            (("model", "metrics_sales_quarterly", "pipeline coverage and forecast accuracy"),),
        ),
    ]


def health_sections(con: duckdb.DuckDBPyConnection) -> list[Section]:
    bands = _rows(
        con,
        "select health_band, accounts, churn_rate from marts.metrics_health_backtest "
        "order by band_order",
    )
    latest = dict(
        _rows(
            con,
            "select health_band, count(*) from marts.fct_account_health "
            "where week_start = (select max(week_start) from marts.fct_account_health) "
            "group by 1",
        )
    )
    names = [row[0] for row in bands]
    return [
        Section(
            "Health bands and churn by band",
            svg.bar_chart(
                "Accounts per health band, latest week",
                names,
                [Series("accounts", [float(latest.get(name, 0)) for name in names])],
                lambda value: f"{value:,.0f}",
            )
            + svg.bar_chart(
                "Churn within the backtest horizon, by band",
                names,
                [Series("churn rate", [_num(row[2]) for row in bands])],
                svg.pct,
            ),
            (
                ("model", "fct_account_health", "health score"),
                ("model", "metrics_health_backtest", "churn by band"),
            ),
        )
    ]


def sla_section(con: duckdb.DuckDBPyConnection, as_of: date) -> Section:
    rows = _rows(
        con,
        "select month_start, team, sla_label, comparison, target, actual, is_met "
        f"from marts.metrics_sla_monthly where month_start <= {_date(as_of)} and month_start >= "
        f"date_trunc('month', {_date(as_of)}) - interval 5 month "
        "order by team, sla_label, month_start",
    )
    months = sorted({row[0] for row in rows})
    cells: dict[tuple[str, str], dict[date, tuple]] = {}
    for month, team, label, comparison, target, actual, met in rows:
        cells.setdefault((team, f"{label} ({comparison} {target})"), {})[month] = (actual, met)
    head = "".join(f"<th>{_month(month)}</th>" for month in months)
    body = ""
    for (team, label), by_month in cells.items():
        tds = ""
        for month in months:
            actual, met = by_month.get(month, (None, None))
            verdict = "n/a" if met is None else ("met" if met else "missed")
            shown = "" if actual is None else f"{float(actual):,.2f}"
            tds += f'<td class="{verdict.replace("/", "")}">{verdict} {shown}</td>'
        body += f"<tr><td>{escape(team)}</td><td>{escape(label)}</td>{tds}</tr>"
    table = f'<table class="sla"><tr><th>team</th><th>SLA</th>{head}</tr>{body}</table>'
    return Section(
        "Inter-team SLAs, last 6 months", table, (("model", "metrics_sla_monthly", "SLAs"),)
    )


STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em auto; max-width: 800px; color: #222; }
svg.chart { display: block; margin-top: 1em; } svg text { font-size: 11px; fill: #444; }
.grid { stroke: #e5e5e5; } .target { stroke: #b00020; stroke-dasharray: 6 4; }
.legend span { margin-right: 1em; } .legend i { display: inline-block; width: 10px;
  height: 10px; margin-right: 4px; }
table { border-collapse: collapse; } th, td { border: 1px solid #ccc; padding: 3px 6px; }
td.met { color: #176b2c; } td.missed { color: #b00020; font-weight: 600; } .def { color: #555; }
"""


def render_report(served: Path) -> str:
    """The report of the warehouse in `served` (opened read-only)."""
    with duckdb_limits.connect(served, read_only=True) as con:
        run_id, as_of = con.execute(
            "select run_id, as_of_date from meta.warehouse_version"
        ).fetchone()
        sections = [
            *revenue_sections(con, as_of),
            *funnel_sections(con, as_of),
            *sales_sections(con),
            *health_sections(con),
            sla_section(con, as_of),
        ]
    overview = docs_link("overview", "").split("#")[0]
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>RevOps metrics as of {as_of}</title>
<style>{STYLE}</style></head><body>
<h1>RevOps metrics as of {as_of}</h1>
<p>Warehouse version: run <code>{escape(run_id)}</code>, as of <b>{as_of}</b>. Every figure is
read from the published marts; hover a point for its value. The definitions are in
<a href="{escape(overview)}">dbt docs</a> (<code>make dbt-docs</code>).</p>
{"".join(section.html() for section in sections)}
</body></html>
"""


def write_report(html: str, target: Path) -> None:
    """Replace the report in one rename: a reader sees the previous page or the new one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".{target.name}.tmp")
    staged.write_text(html, encoding="utf-8")
    os.replace(staged, target)
