"""The quality suites as Dagster asset checks: one check per rule, one step per suite.

A suite's rules share one step (a multi-asset check) so the warehouse is opened once and each
frame fetched once. Blocking rules are `blocking=True` specs: when one fails with ERROR severity,
Dagster fails the step and skips every later step downstream of the guarded asset, so
`published_warehouse` never publishes a broken definition (models dbt built in the same step stay
in the build warehouse only). The other rules report WARN and let the run go.

Raw checks gate only what lists the raw asset as a dependency: Dagster exempts an asset that runs
checks of its own on a key (dbt's source tests) from blocking checks on that key, so the dbt step
does not wait for them; `published_warehouse` must depend on the raw keys to be gated by them.
"""

# No `from __future__ import annotations`: Dagster inspects the context annotation at runtime.
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import dagster as dg

from dagster_project.automation.faults import fail_once_unless_transient
from dagster_project.metric_config import metric_vars
from dagster_project.quality.engine.gx_runner import RuleOutcome, run_suite
from dagster_project.quality.engine.report import record_suite, report_dir
from dagster_project.quality.engine.suite import Suite
from dagster_project.quality.suites import mart_suites
from dagster_project.quality.suites.raw import raw_suites
from dagster_project.resources import WarehouseResource


def all_suites(config: Mapping[str, Any]) -> list[Suite]:
    """Every suite, with thresholds from `config` (the dbt project's vars)."""
    return [*raw_suites(config), *mart_suites(config)]


def build_quality_checks(
    suites: Sequence[Suite] | None = None,
) -> list[dg.AssetChecksDefinition]:
    """The asset checks of every suite (thresholds read from dbt_project.yml's vars)."""
    return [
        suite_checks(suite) for suite in (all_suites(metric_vars()) if suites is None else suites)
    ]


def suite_checks(suite: Suite) -> dg.AssetChecksDefinition:
    asset_key = dg.AssetKey([*suite.asset_key])
    specs = [
        dg.AssetCheckSpec(
            name=rule.name,
            asset=asset_key,
            description=rule.description,
            blocking=rule.blocking,
        )
        for rule in suite.rules
    ]

    @dg.multi_asset_check(
        specs=specs,
        name=f"gx_{suite.name}",
        description=f"great-expectations suite {suite.name}: {suite.description}",
        compute_kind="great_expectations",
    )
    def _check(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[dg.AssetCheckResult]:
        started = time.perf_counter()
        # Open the file only while checking: DuckDB allows one writer process per file.
        # A rule that fails is a check result; a suite that cannot run (its SQL, GX) fails once.
        with fail_once_unless_transient(), warehouse.connect() as con:
            outcomes = run_suite(con, suite)
        page = record_suite(
            report_dir(warehouse.database),
            context.run.run_id,
            suite,
            outcomes,
            time.perf_counter() - started,
        )
        for outcome in outcomes:
            yield check_result(asset_key, outcome, page)

    return _check


def check_result(
    asset_key: dg.AssetKey, outcome: RuleOutcome, report_page: Any
) -> dg.AssetCheckResult:
    metadata: dict[str, Any] = {
        "expectation": dg.MetadataValue.json(
            {"type": outcome.expectation, **outcome.kwargs, "where": outcome.condition or None}
        ),
        "quality_report": dg.MetadataValue.path(str(report_page)),
    }
    if outcome.rows_checked is not None:
        metadata["rows_checked"] = outcome.rows_checked
    if outcome.scope:
        metadata["scope"] = dg.MetadataValue.text(outcome.scope)
    if outcome.failing_rows is not None:
        metadata["failing_rows"] = outcome.failing_rows
    if outcome.observed is not None:
        metadata["observed"] = _observed(outcome.observed)
    if outcome.sample_keys:
        metadata["failing_sample"] = dg.MetadataValue.json(outcome.sample_keys)
    if outcome.error:
        metadata["error"] = dg.MetadataValue.text(outcome.error)
    return dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=outcome.rule,
        passed=outcome.success,
        severity=dg.AssetCheckSeverity.ERROR if outcome.blocking else dg.AssetCheckSeverity.WARN,
        metadata=metadata,
        description=outcome.description,
    )


def _observed(value: Any) -> dg.MetadataValue:
    """Aggregate expectations observe one number; the others a mapping of values and counts."""
    if isinstance(value, (dict, list)):
        return dg.MetadataValue.json(value)
    if isinstance(value, bool):
        return dg.MetadataValue.bool(value)
    if isinstance(value, (int, float)):
        return dg.MetadataValue.float(float(value))
    return dg.MetadataValue.text(str(value))
