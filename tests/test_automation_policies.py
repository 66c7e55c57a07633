"""Freshness policies on every source and mart, retries and the writer tag on full_build."""

from __future__ import annotations

from datetime import timedelta

import dagster as dg
import yaml

from dagster_project.automation.freshness import MART_WINDOW, SOURCE_WINDOW
from dagster_project.automation.policies import WRITER_TAG
from dagster_project.paths import REPO_ROOT
from dagster_project.source_catalog import SOURCE_TABLES

INSTANCE_TEMPLATE = REPO_ROOT / "dagster_project" / "automation" / "dagster.yaml"


def _graph() -> dg.AssetGraph:
    from dagster_project.definitions import defs

    return defs.resolve_asset_graph()


def _window(policy: object) -> tuple[timedelta, timedelta]:
    assert isinstance(policy, dg.FreshnessPolicy)
    return policy.warn_window.to_timedelta(), policy.fail_window.to_timedelta()


def test_every_extraction_asset_has_the_source_freshness_window(dbt_manifest) -> None:
    graph = _graph()
    for table in SOURCE_TABLES:
        policy = graph.get(dg.AssetKey(["raw", table.raw_table])).freshness_policy
        assert _window(policy) == (timedelta(hours=26), timedelta(hours=50)), table.raw_table
    assert (SOURCE_WINDOW.warn, SOURCE_WINDOW.fail) == (timedelta(hours=26), timedelta(hours=50))


def test_every_mart_and_the_served_warehouse_have_the_mart_freshness_window(dbt_manifest) -> None:
    graph = _graph()
    marts = [key for key in graph.get_all_asset_keys() if key.path[0] == "marts"]
    assert len(marts) >= 15
    for key in [*marts, dg.AssetKey(["published_warehouse"])]:
        assert _window(graph.get(key).freshness_policy) == (MART_WINDOW.warn, MART_WINDOW.fail)


def test_intermediate_models_carry_no_freshness_policy(dbt_manifest) -> None:
    graph = _graph()
    staging = [key for key in graph.get_all_asset_keys() if key.path[0] in ("staging", "config")]
    assert staging
    assert all(graph.get(key).freshness_policy is None for key in staging)


def test_full_build_retries_with_exponential_backoff_and_carries_the_writer_tag(
    dbt_manifest,
) -> None:
    from dagster_project.definitions import defs

    job = defs.resolve_job_def("full_build")
    policy = job.op_retry_policy
    assert policy is not None
    assert (policy.max_retries, policy.delay) == (2, 15)
    assert policy.backoff == dg.Backoff.EXPONENTIAL
    assert policy.jitter == dg.Jitter.PLUS_MINUS
    # Schedules and sensors copy the job's run tags onto runs; the UI and the CLI its tags.
    assert job.run_tags[WRITER_TAG] == job.tags[WRITER_TAG] == "true"
    # The in-process executor honours step retries.
    assert job.executor_def.name == "in_process"


def test_the_instance_template_limits_writers_and_evaluates_freshness() -> None:
    settings = yaml.safe_load(INSTANCE_TEMPLATE.read_text())

    limits = settings["concurrency"]["runs"]["tag_concurrency_limits"]
    assert {"key": WRITER_TAG, "limit": 1} in limits
    assert settings["freshness"] == {"enabled": True}
