"""dbt's tests reach Dagster as one `dbt_tests` check per asset, with the tests that did not
pass: the verdict and its metadata from hand-made results, the specs from the real manifest."""

from __future__ import annotations

import dagster as dg

from dagster_project.transformation.test_summary import (
    DBT_TESTS_CHECK,
    AssetTestVerdicts,
    summary_check_spec,
)

MRR = dg.AssetKey(["marts", "fct_mrr"])


def test_every_test_passed_passes() -> None:
    verdicts = AssetTestVerdicts()
    verdicts.add("unique_fct_mrr_mrr_id", "pass", 0)
    verdicts.add("not_null_fct_mrr_mrr_id", "pass", 0)
    result = verdicts.result(MRR)
    assert (result.check_name, result.passed) == (DBT_TESTS_CHECK, True)
    assert result.metadata["tests"].value == 2
    assert result.metadata["passed"].value == 2
    assert result.metadata["not_passed"].value == {}


def test_a_failing_test_fails_with_error_and_names_its_rows() -> None:
    verdicts = AssetTestVerdicts()
    verdicts.add("unique_fct_mrr_mrr_id", "fail", 3)
    verdicts.add("accepted_values_fct_mrr_movement", "warn", 1)
    verdicts.add("not_null_fct_mrr_mrr_id", "pass", 0)
    result = verdicts.result(MRR)
    assert not result.passed
    assert result.severity == dg.AssetCheckSeverity.ERROR
    assert result.metadata["passed"].value == 1
    assert result.metadata["not_passed"].value == {
        "unique_fct_mrr_mrr_id": "fail",
        "accepted_values_fct_mrr_movement": "warn",
    }
    assert result.metadata["failing_rows"].value == {
        "unique_fct_mrr_mrr_id": 3,
        "accepted_values_fct_mrr_movement": 1,
    }


def test_only_warnings_fail_with_warn() -> None:
    verdicts = AssetTestVerdicts()
    verdicts.add("accepted_values_fct_mrr_movement", "warn", 2)
    result = verdicts.result(MRR)
    assert (result.passed, result.severity) == (False, dg.AssetCheckSeverity.WARN)


def test_the_dbt_assets_have_one_blocking_check_per_tested_asset() -> None:
    from dagster_project.transformation.assets import revops_dbt_assets

    specs = list(revops_dbt_assets.check_specs)
    assert {spec.name for spec in specs} == {DBT_TESTS_CHECK}
    assert len({spec.asset_key for spec in specs}) == len(specs)
    assert next(spec for spec in specs if spec.asset_key == MRR).blocking
    # Far fewer than the project's 800-odd data tests: one per model or seed.
    assert 50 < len(specs) < 130
    # A raw table's source tests would not hold the extraction steps back.
    assert not summary_check_spec(dg.AssetKey(["raw", "crm_deals"])).blocking
