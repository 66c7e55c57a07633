"""Every run is in the Dagster instance: the session's build ran as a command-line run does, so
its instance holds the run, its materializations and the headline metrics the UI plots."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
import yaml

from dagster_project.cli.instance import DEFAULT_DAGSTER_HOME, INSTANCE_SETTINGS, dagster_home
from tests.conftest import SessionBuild


def test_a_command_line_run_is_recorded_with_its_materializations(built: SessionBuild) -> None:
    assert built.success, built.failures
    settings = yaml.safe_load((built.dagster_home / "dagster.yaml").read_text(encoding="utf-8"))
    committed = yaml.safe_load(INSTANCE_SETTINGS.read_text(encoding="utf-8"))
    assert settings == committed | {
        "event_log_storage": {
            "module": "dagster_project.cli.event_log",
            "class": "PooledSqliteEventLogStorage",
            "config": {"base_dir": str(built.dagster_home.resolve() / "history" / "runs")},
        }
    }
    instance = dg.DagsterInstance.from_config(str(built.dagster_home))

    run = instance.get_run_by_id(built.run_id)
    assert run is not None and run.status == dg.DagsterRunStatus.SUCCESS
    assert run.tags["revops/warehouse"] == "served"
    for key in (["raw", "crm_deals"], ["marts", "fct_mrr"], ["published_warehouse"]):
        event = instance.get_latest_materialization_event(dg.AssetKey(key))
        assert event is not None and event.run_id == built.run_id, key
    headline = instance.get_latest_materialization_event(dg.AssetKey(["headline_metrics"]))
    assert headline is not None
    metadata = headline.asset_materialization.metadata
    assert isinstance(metadata["mrr_eur"].value, float) and metadata["mrr_eur"].value > 0


def test_without_dagster_home_runs_go_where_make_dev_looks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    assert dagster_home() == DEFAULT_DAGSTER_HOME == Path(__file__).parents[1] / ".dagster_home"
    monkeypatch.setenv("DAGSTER_HOME", "/srv/dagster")
    assert dagster_home() == Path("/srv/dagster")
