"""dbt's data tests as one asset check per asset, `dbt_tests`: passed when every test on it passed.

A check per dbt test cost three records in Dagster's event log for each test of a run (the check
planned, its output, its evaluation), about 2,900 of a full run's 3,400 at 808 tests: most of the
run's event-storage time, paid again by every run in the test suite. One check per asset keeps
what the UI needs (which model's tests failed, which ones, how many rows) at a ninth of that.
dbt still runs and reports every test: a failing error-severity test fails `dbt build`, and the
step's failure names it (transformation/failures.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import dagster as dg
from dagster_dbt.asset_utils import get_asset_check_key_for_test
from dagster_dbt.core.dbt_cli_event import DbtCliEventMessage
from dagster_dbt.core.dbt_cli_invocation import DbtCliInvocation

DBT_TESTS_CHECK = "dbt_tests"

# dbt's test statuses: `warn` is a warn-severity test that found rows.
PASSED = "pass"
FAILED = ("fail", "error")


@dataclass
class AssetTestVerdicts:
    """The results of the dbt tests on one asset, in the order dbt reported them."""

    statuses: dict[str, str] = field(default_factory=dict)
    failing_rows: dict[str, int] = field(default_factory=dict)

    def add(self, test: str, status: str, failures: int | None) -> None:
        self.statuses[test] = status
        if status != PASSED and failures:
            self.failing_rows[test] = failures

    def result(self, asset_key: dg.AssetKey) -> dg.AssetCheckResult:
        not_passed = {test: status for test, status in self.statuses.items() if status != PASSED}
        errors = any(status in FAILED for status in not_passed.values())
        return dg.AssetCheckResult(
            asset_key=asset_key,
            check_name=DBT_TESTS_CHECK,
            passed=not not_passed,
            severity=dg.AssetCheckSeverity.ERROR if errors else dg.AssetCheckSeverity.WARN,
            metadata={
                "tests": len(self.statuses),
                "passed": len(self.statuses) - len(not_passed),
                "not_passed": dg.MetadataValue.json(not_passed),
                "failing_rows": dg.MetadataValue.json(self.failing_rows),
            },
        )


def summary_check_spec(asset_key: dg.AssetKey) -> dg.AssetCheckSpec:
    """The one check of an asset's dbt tests. Blocking on models, as dbt's error-severity tests
    are; not on the raw tables' source tests (transformation/translator.py says why)."""
    return dg.AssetCheckSpec(
        name=DBT_TESTS_CHECK,
        asset=asset_key,
        description="Every dbt data test on this asset passed (the tests of the run's build).",
        blocking=asset_key.path[0] != "raw",
    )


def build_events(
    invocation: DbtCliInvocation, context: dg.AssetExecutionContext, tested: set[dg.AssetKey]
) -> Iterator[dg.Output | dg.AssetMaterialization | dg.AssetCheckResult]:
    """The run's dbt events as Dagster events: each model and seed as dagster-dbt yields it,
    while dbt runs; then one `dbt_tests` result per asset whose tests ran, added to `tested`."""
    verdicts: dict[dg.AssetKey, AssetTestVerdicts] = {}
    for event in invocation.stream_raw_events():
        unique_id = event.raw_event["data"].get("node_info", {}).get("unique_id") or ""
        if not unique_id.startswith("test."):
            yield from event.to_default_asset_events(
                manifest=invocation.manifest,
                dagster_dbt_translator=invocation.dagster_dbt_translator,
                context=context,
                target_path=invocation.target_path,
                project=invocation.project,
            )
        elif event.is_result_event:
            record_test(verdicts, event, invocation)
    selected = context.selected_asset_check_keys
    for asset_key, tests in verdicts.items():
        if dg.AssetCheckKey(asset_key, DBT_TESTS_CHECK) in selected:
            tested.add(asset_key)
            yield tests.result(asset_key)


def kept_verdicts(
    context: dg.AssetExecutionContext, kept: list[dg.AssetKey]
) -> Iterator[dg.AssetCheckResult]:
    """`dbt_tests` of the assets left as built, whose tests this run did not run: passed, as on
    the build that made them. Without a result, Dagster warns that each blocking check emitted
    none, on every daily run."""
    selected = context.selected_asset_check_keys
    for asset_key in kept:
        if dg.AssetCheckKey(asset_key, DBT_TESTS_CHECK) in selected:
            yield dg.AssetCheckResult(
                asset_key=asset_key,
                check_name=DBT_TESTS_CHECK,
                passed=True,
                description="Left as built: its inputs did not change since its tests passed.",
                metadata={"rebuilt": False},
            )


def record_test(
    verdicts: dict[dg.AssetKey, AssetTestVerdicts],
    event: DbtCliEventMessage,
    invocation: DbtCliInvocation,
) -> None:
    """Adds a test's result to the asset it is attached to (a singular test reading several
    models names its asset in `meta.dagster.ref`; one that does not is left to dbt's report)."""
    data: Mapping[str, Any] = event.raw_event["data"]
    node = data["node_info"]
    key = get_asset_check_key_for_test(
        invocation.manifest,
        invocation.dagster_dbt_translator,
        node["unique_id"],
        invocation.project,
    )
    status = str(node.get("node_status") or data.get("status") or "").lower()
    if key is None or status == "skipped":
        return
    verdicts.setdefault(key.asset_key, AssetTestVerdicts()).add(
        key.name, status, data.get("num_failures")
    )
