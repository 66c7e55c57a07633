"""Suites as Dagster checks on a temporary DuckDB: blocking stops downstream, warn does not."""

# No `from __future__ import annotations`: Dagster inspects the asset annotations at runtime.
from pathlib import Path

import dagster as dg
import duckdb

from dagster_project.metric_config import metric_vars
from dagster_project.quality.checks import build_quality_checks, check_result, suite_checks
from dagster_project.quality.engine.gx_runner import RuleOutcome
from dagster_project.quality.suites.raw import raw_suites
from dagster_project.resources import WarehouseResource

SURVEYS = dg.AssetKey(["raw", "success_survey_responses"])
TICKETS = dg.AssetKey(["raw", "success_tickets"])


def _warehouse(tmp_path: Path) -> WarehouseResource:
    return WarehouseResource(
        database=str(tmp_path / "build" / "revops.duckdb"),
        landing_dir=str(tmp_path / "landing"),
        published_database=str(tmp_path / "revops.duckdb"),
    )


def _raw_asset(key: dg.AssetKey, select: str) -> dg.AssetsDefinition:
    @dg.asset(key=key)
    def _load(warehouse: WarehouseResource) -> None:
        with warehouse.connect() as con:
            con.execute("create schema if not exists raw")
            con.execute(
                f"create or replace table raw.{key.path[1]} as {select}, "
                "'f.jsonl' as _source_file, 1::bigint as _source_line, "
                "timestamp '2026-09-30 06:00' as _loaded_at, date '2026-09-30' as _landing_date"
            )

    return _load


def _surveys(score: str) -> dg.AssetsDefinition:
    return _raw_asset(
        SURVEYS,
        "select 'r1' as id, 'nps' as survey, 'c1' as company_id, 'p1' as contact_id, "
        f"'{score}' as score, '2026-01-01T00:00:00Z' as responded_at",
    )


def _tickets(solved_at: str) -> dg.AssetsDefinition:
    return _raw_asset(
        TICKETS,
        "select 't1' as id, 'c1' as organization_id, 'p1' as requester_id, 'high' as priority, "
        "'solved' as status, '2026-01-05T00:00:00Z' as created_at, "
        f"'{solved_at}' as solved_at",
    )


@dg.asset(deps=[SURVEYS, TICKETS])
def downstream() -> None:
    """Stands in for the dbt models and published_warehouse."""


def _checks(*names: str) -> list[dg.AssetChecksDefinition]:
    return [suite_checks(s) for s in raw_suites(metric_vars()) if s.name in names]


def _materialize(tmp_path: Path, surveys_score: str, solved_at: str) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [
            _surveys(surveys_score),
            _tickets(solved_at),
            downstream,
            *_checks("raw_success_survey_responses", "raw_success_tickets"),
        ],
        resources={"warehouse": _warehouse(tmp_path)},
        raise_on_error=False,
    )


def _evaluations(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def _started_steps(result: dg.ExecuteInProcessResult) -> set[str]:
    return {e.step_key for e in result.all_events if e.event_type_value == "STEP_START"}


def test_passing_checks_let_downstream_run(tmp_path) -> None:
    result = _materialize(tmp_path, "9", "2026-01-06T00:00:00Z")

    assert result.success
    evaluations = _evaluations(result)
    assert evaluations["nps_score_on_scale"].passed
    assert evaluations["solved_after_opened"].passed
    assert "downstream" in _started_steps(result)
    assert result.asset_materializations_for_node("downstream")


def test_a_failing_blocking_check_stops_downstream_with_evidence(tmp_path) -> None:
    result = _materialize(tmp_path, "11", "2026-01-06T00:00:00Z")

    assert not result.success
    failed = _evaluations(result)["nps_score_on_scale"]
    assert not failed.passed
    assert failed.severity == dg.AssetCheckSeverity.ERROR
    assert failed.metadata["failing_rows"].value == 1
    assert failed.metadata["failing_sample"].value == [
        {"id": "r1", "_source_file": "f.jsonl", "_source_line": 1}
    ]
    assert failed.metadata["observed"].value == {"unexpected_values": [{"value": 11.0, "count": 1}]}
    failed_steps = {e.step_key for e in result.all_events if e.is_step_failure}
    assert failed_steps == {"gx_raw_success_survey_responses"}
    assert "downstream" not in _started_steps(result)
    assert not result.asset_materializations_for_node("downstream")


def test_a_failing_warning_is_reported_and_downstream_still_runs(tmp_path) -> None:
    result = _materialize(tmp_path, "9", "2026-01-04T00:00:00Z")

    assert result.success
    warning = _evaluations(result)["solved_after_opened"]
    assert not warning.passed
    assert warning.severity == dg.AssetCheckSeverity.WARN
    assert warning.metadata["failing_rows"].value == 1
    assert result.asset_materializations_for_node("downstream")


def test_the_quality_report_of_the_run_sits_beside_the_warehouse(tmp_path) -> None:
    result = _materialize(tmp_path, "11", "2026-01-04T00:00:00Z")

    page = tmp_path / "build" / "quality" / "index.html"
    evaluation = _evaluations(result)["nps_score_on_scale"]
    assert evaluation.metadata["quality_report"].value == str(page)
    html = page.read_text(encoding="utf-8")
    assert "Quality report: FAILED" in html
    assert result.run_id in html
    assert "raw_success_survey_responses" in html and "raw_success_tickets" in html
    assert "1 blocking failures, 1 warnings" in html
    # A later run replaces the page: it describes one run, not an accumulation.
    second = _materialize(tmp_path, "9", "2026-01-06T00:00:00Z")
    html = page.read_text(encoding="utf-8")
    assert "Quality report: PASSED" in html and second.run_id in html
    assert result.run_id not in html


def test_the_checks_hold_the_warehouse_only_while_checking(tmp_path) -> None:
    _materialize(tmp_path, "9", "2026-01-06T00:00:00Z")

    # Another process could now take DuckDB's writer lock: nothing keeps the file open.
    with duckdb.connect(str(tmp_path / "build" / "revops.duckdb")) as con:
        assert con.execute("select count(*) from raw.success_survey_responses").fetchone() == (1,)


def test_every_suite_is_one_check_step_with_one_check_per_rule() -> None:
    checks = build_quality_checks()

    keys = {key for definition in checks for key in definition.check_keys}
    raw = {key.asset_key for key in keys if key.asset_key.path[0] == "raw"}
    assert len(raw) == 21
    assert dg.AssetCheckKey(SURVEYS, "nps_score_on_scale") in keys
    assert dg.AssetCheckKey(dg.AssetKey(["marts", "fct_leads"]), "mql_score_at_threshold") in keys
    blocking = {spec.key: spec.blocking for definition in checks for spec in definition.check_specs}
    assert blocking[dg.AssetCheckKey(TICKETS, "solved_after_opened")] is False
    assert blocking[dg.AssetCheckKey(SURVEYS, "nps_score_on_scale")] is True


def test_publishing_waits_for_every_blocking_mart_check(dbt_manifest) -> None:
    from dagster_project.definitions import defs

    job = defs.resolve_job_def("full_build")
    upstream = {
        dependency.node
        for invocation, inputs in job.graph.dependencies.items()
        if invocation.name == "published_warehouse"
        for dependency in inputs.values()
        for dependency in dependency.get_node_dependencies()
    }
    mart_steps = {
        definition.node_def.name
        for definition in build_quality_checks()
        if next(iter(definition.check_keys)).asset_key.path[0] == "marts"
    }
    assert mart_steps and mart_steps <= upstream


def test_a_check_result_carries_an_aggregate_observation_as_a_number() -> None:
    outcome = RuleOutcome(
        rule="health_weights_sum_to_one",
        description="The configured health signal weights sum to 1.",
        blocking=True,
        expectation="ExpectColumnSumToBeBetween",
        kwargs={"column": "weight", "min_value": 0.999999999, "max_value": 1.000000001},
        condition="",
        success=False,
        rows_checked=None,
        failing_rows=None,
        observed=1.1,
        sample_keys=[],
        error=None,
    )

    result = check_result(dg.AssetKey(["marts", "fct_account_health"]), outcome, "/q/index.html")

    assert not result.passed
    assert result.metadata["observed"] == dg.MetadataValue.float(1.1)
    assert result.metadata["expectation"].value["type"] == "ExpectColumnSumToBeBetween"
    assert "failing_rows" not in result.metadata
