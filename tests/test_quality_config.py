"""Mart checks read their thresholds from dbt_project.yml's vars: change it once, both move."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import yaml

from dagster_project import metric_config
from dagster_project.metric_config import metric_vars
from dagster_project.paths import DBT_PROJECT_DIR
from dagster_project.quality.engine.gx_runner import run_suite
from dagster_project.quality.suites.funnel import fct_leads_suite

# lead, created, mql_at, score at MQL, intent at MQL, sql_at, BANT complete, BMANTER score
LEADS = [
    ("L1", "2026-01-01", "2026-01-05", 72, True, "2026-01-07", True, 80),
    ("L2", "2026-01-01", "2026-01-05", 55, True, None, None, 40),
    ("L3", "2026-01-01", "2026-01-05", 45, True, None, None, 40),
    ("L4", "2026-01-01", None, None, None, None, None, 10),
]


@pytest.fixture
def configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the dbt project file that tests edit, read through metric_vars() itself."""
    (tmp_path / "dbt_project.yml").write_text(
        (DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    monkeypatch.setattr(metric_config, "DBT_PROJECT_DIR", tmp_path)
    metric_vars.cache_clear()
    yield tmp_path / "dbt_project.yml"
    metric_vars.cache_clear()


def _set_var(project_file: Path, name: str, value: object) -> None:
    project = yaml.safe_load(project_file.read_text(encoding="utf-8"))
    project["vars"][name] = value
    project_file.write_text(yaml.safe_dump(project), encoding="utf-8")
    metric_vars.cache_clear()


def _leads_warehouse(path: Path) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.fct_leads (lead_id varchar, created_at timestamp, "
            "mql_at timestamp, score_at_mql integer, intent_signal_at_mql boolean, "
            "sql_at timestamp, is_bant_complete boolean, bmanter_score integer, "
            "lead_score integer, opportunity_at timestamp, customer_at timestamp, "
            "mql_intent_signal_at timestamp)"
        )
        con.executemany(
            "insert into marts.fct_leads values (?, ?, ?, ?, ?, ?, ?, ?, 60, null, null, null)",
            LEADS,
        )
        # Each MQL's intent signal a day before it: inside any configured window.
        con.execute("update marts.fct_leads set mql_intent_signal_at = mql_at - interval 1 day")
    return path


def _failing_keys(database: Path, rule: str) -> list[str]:
    with duckdb.connect(str(database)) as con:
        outcomes = {o.rule: o for o in run_suite(con, fct_leads_suite(metric_vars()))}
    return sorted(key["lead_id"] for key in outcomes[rule].sample_keys)


def test_the_mql_check_reads_the_threshold_the_dbt_models_read(configured) -> None:
    threshold = yaml.safe_load(configured.read_text())["vars"]["mql_score_threshold"]

    rule = fct_leads_suite(metric_vars()).rule("mql_score_at_threshold")

    assert threshold == 50
    assert rule.kwargs["min_value"] == 50


def test_raising_the_mql_threshold_in_dbt_project_moves_the_check(configured, tmp_path) -> None:
    database = _leads_warehouse(tmp_path / "wh.duckdb")
    assert _failing_keys(database, "mql_score_at_threshold") == ["L3"]

    _set_var(configured, "mql_score_threshold", 60)

    assert fct_leads_suite(metric_vars()).rule("mql_score_at_threshold").kwargs["min_value"] == 60
    assert _failing_keys(database, "mql_score_at_threshold") == ["L2", "L3"]


def test_the_sql_rule_follows_the_configured_qualification(configured, tmp_path) -> None:
    database = _leads_warehouse(tmp_path / "wh.duckdb")
    assert _failing_keys(database, "sql_has_bant_complete") == []

    _set_var(configured, "sql_rule", "bmanter")
    _set_var(configured, "bmanter_sql_threshold", 90)

    suite = fct_leads_suite(metric_vars())
    assert [rule.name for rule in suite.rules if rule.name.startswith("sql_")] == [
        "sql_meets_bmanter_threshold"
    ]
    assert _failing_keys(database, "sql_meets_bmanter_threshold") == ["L1"]
