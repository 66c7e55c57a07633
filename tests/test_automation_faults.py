"""Only faults of the machine are retried: data and definition failures fail once."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from dagster_project.automation.faults import fail_once_unless_transient, is_transient_error
from dagster_project.extraction.reject_gate import RejectShareExceeded

LOCK = duckdb.IOException('IO Error: Could not set lock on file "build/revops.duckdb"')


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (LOCK, True),
        (duckdb.OutOfMemoryException("Out of Memory Error: failed to allocate"), True),
        (OSError(5, "Input/output error"), True),
        (TimeoutError("timed out"), True),
        (ConnectionResetError("reset by peer"), True),
        (FileNotFoundError("data/landing"), False),
        (PermissionError("data/warehouse"), False),
        (duckdb.BinderException('Binder Error: column "amount" not found'), False),
        (duckdb.ConversionException("Conversion Error: Could not convert string"), False),
        (RejectShareExceeded("billing_credit_notes: 1 of 13 rows"), False),
        (ValueError("a bug"), False),
    ],
)
def test_only_faults_of_the_machine_are_transient(error: Exception, transient: bool) -> None:
    assert is_transient_error(error) is transient


def test_a_data_error_becomes_a_failure_without_retries_and_a_fault_passes_through() -> None:
    with pytest.raises(dg.Failure) as raised, fail_once_unless_transient():
        raise duckdb.ConversionException("Conversion Error: Could not convert string 'x'")
    assert raised.value.allow_retries is False
    assert raised.value.description == (
        "ConversionException: Conversion Error: Could not convert string 'x'"
    )
    with pytest.raises(duckdb.IOException), fail_once_unless_transient():
        raise LOCK
    # A step's own verdict stands.
    with pytest.raises(dg.Failure) as raised, fail_once_unless_transient():
        raise dg.Failure("a killed dbt", allow_retries=True)
    assert raised.value.allow_retries is True


def test_under_a_retry_policy_a_data_error_runs_once_and_a_lock_three_times() -> None:
    attempts: list[str] = []

    def run(error: Exception) -> dg.ExecuteInProcessResult:
        @dg.asset(name=f"step_{len(attempts)}")
        def step() -> None:
            attempts.append(type(error).__name__)
            with fail_once_unless_transient():
                raise error

        job = dg.define_asset_job("job", op_retry_policy=dg.RetryPolicy(max_retries=2))
        defs = dg.Definitions(assets=[step], jobs=[job])
        return defs.resolve_job_def("job").execute_in_process(raise_on_error=False)

    assert not run(RejectShareExceeded("1 of 13 rows")).success
    assert attempts == ["RejectShareExceeded"]
    attempts.clear()
    assert not run(LOCK).success
    assert attempts == ["IOException"] * 3
