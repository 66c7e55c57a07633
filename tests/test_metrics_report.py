"""The metrics report: drawn right from small inputs, and published by the session's run as a
page that a real headless Chromium renders offline, without errors, with data in every chart."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import duckdb
import pytest

from dagster_project.metric_config import metric_vars
from dagster_project.publishing.metrics_report import docs_link, report_path
from dagster_project.publishing.svg_charts import Series, Step, line_chart, pct, waterfall
from tests.headless_browser import CHROMIUM, visit

CHARTS = (
    "MRR bridge by month (EUR)",
    "MRR and ARR at month end (EUR)",
    "NRR and GRR against the target",
    "MQL -> SQL conversion by lead cohort month and channel",
    "Conversion per funnel step by channel",
    "Win rate by close quarter",
    "Median sales cycle of won deals",
    "Pipeline coverage",
    "Forecast accuracy",
    "Accounts per health band, latest week",
    "Churn within the backtest horizon, by band",
)
CHART_POINTS = """JSON.stringify([...document.querySelectorAll('svg.chart')].map(
    svg => [svg.getAttribute('aria-label'), svg.querySelectorAll('.point').length]))"""


def _rects(svg: str) -> list[tuple[float, float, str]]:
    """(y, height, title) of each bar."""
    return [
        (float(y), float(height), title)
        for y, height, title in re.findall(
            r'<rect class="point" x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)"'
            r"[^>]*><title>([^<]*)</title>",
            svg,
        )
    ]


def test_a_waterfall_floats_each_movement_from_the_running_total() -> None:
    steps = [
        Step("Jan open", "MRR at month start", 100.0, True),
        Step("Jan", "new", 20.0),
        Step("Jan", "churn", -40.0),
        Step("Jan end", "MRR at month end", 80.0, True),
    ]
    bars = _rects(waterfall("bridge", steps, lambda v: f"{v:.0f}"))

    assert [title for _, _, title in bars] == [
        "Jan open MRR at month start: 100",
        "Jan new: 20",
        "Jan churn: -40",
        "Jan end MRR at month end: 80",
    ]
    (open_y, _, _), (new_y, new_h, _), (churn_y, churn_h, _), (end_y, _, _) = bars
    # The new bar ends where the open total ends; churn starts at the new top (120) and ends at
    # the closing total (80); the churn bar is twice as tall as the new one.
    assert new_y + new_h == pytest.approx(open_y)
    assert churn_y == pytest.approx(new_y)
    assert churn_y + churn_h == pytest.approx(end_y)
    assert churn_h == pytest.approx(2 * new_h)


def test_a_line_chart_draws_a_point_per_value_and_skips_gaps() -> None:
    svg = line_chart(
        "NRR",
        ["2026-01", "2026-02", "2026-03"],
        [Series("NRR", [1.05, None, 1.12])],
        pct,
        target=("target", 1.10),
    )
    assert re.findall(r"<title>(NRR [^<]*)</title>", svg) == [
        "NRR 2026-01: 105.0%",
        "NRR 2026-03: 112.0%",
    ]
    assert 'class="target"' in svg and "target 110.0%" in svg


@pytest.fixture(scope="module")
def report(warehouse: Path) -> Path:
    page = report_path(warehouse)
    assert page.exists(), "the run published no metrics report"
    return page


def test_the_report_names_its_version_target_and_definitions(report: Path, warehouse: Path) -> None:
    html = report.read_text(encoding="utf-8")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        run_id, as_of = con.execute(
            "select run_id, as_of_date from meta.warehouse_version"
        ).fetchone()
    assert f"run <code>{run_id}</code>, as of <b>{as_of}</b>" in html
    assert f"target {float(metric_vars()['nrr_sla_target']):.1%}" in html
    assert html.count(docs_link("metric", "nrr")) == 1
    # Offline: nothing is fetched from anywhere.
    assert not re.search(r"<script|<link|src=|@import|url\(", html)


def test_the_report_renders_in_chromium_with_data_in_every_chart(report: Path) -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium (.ci/run)")
        pytest.skip("no /usr/bin/chromium on this machine: apt-get install chromium")

    page = visit(report, CHART_POINTS)

    assert page.errors == []
    assert {url.split(":")[0] for url in page.requests} == {"file"}
    charts = dict(json.loads(page.value))
    assert len(charts) == len(CHARTS)
    for title in CHARTS:
        (points,) = [count for label, count in charts.items() if label.startswith(title)]
        assert points > 0, title
