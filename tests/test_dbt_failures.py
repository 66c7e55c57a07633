"""Which dbt failures are retried: only faults of the machine, never a verdict on the data."""

from __future__ import annotations

from pathlib import Path

from dagster_project.transformation.failures import (
    failed_nodes,
    failure_description,
    is_transient,
)

RUN_RESULTS = {
    "results": [
        {"unique_id": "model.revops.fct_mrr", "status": "success", "message": "OK"},
        {
            "unique_id": "test.revops.accepted_range_nps",
            "status": "fail",
            "message": "Got 1 result, configured to fail if != 0",
        },
        {"unique_id": "model.revops.fct_leads", "status": "skipped", "message": None},
        {
            "unique_id": "model.revops.fct_opportunities",
            "status": "error",
            "message": 'IO Error: Could not set lock on file "revops.duckdb"\nmore detail',
        },
    ]
}
LOG = Path("dbt/target/run/dbt.log")


def test_failed_nodes_are_the_errors_and_failures_only() -> None:
    assert [node for node, _ in failed_nodes(RUN_RESULTS)] == [
        "test.revops.accepted_range_nps",
        "model.revops.fct_opportunities",
    ]


def test_a_failing_test_is_final_even_beside_a_lock_error() -> None:
    messages = [message for _, message in failed_nodes(RUN_RESULTS)]
    assert not is_transient(messages, returncode=1)
    assert is_transient(messages[1:], returncode=1)


def test_a_killed_dbt_is_retried_and_a_failure_without_nodes_is_not() -> None:
    assert is_transient([], returncode=-9)
    assert not is_transient([], returncode=2)


def test_the_description_names_the_first_failing_nodes_and_their_first_line() -> None:
    description = failure_description(failed_nodes(RUN_RESULTS), 1, LOG)
    assert description.splitlines() == [
        "dbt build failed on 2 node(s):",
        "- test.revops.accepted_range_nps: Got 1 result, configured to fail if != 0",
        '- model.revops.fct_opportunities: IO Error: Could not set lock on file "revops.duckdb"',
    ]
    many = [(f"test.revops.t{i}", "fail") for i in range(7)]
    assert failure_description(many, 1, LOG).splitlines()[-1] == (f"- ... and 2 more (see {LOG})")
    assert failure_description([], 2, LOG) == (
        f"dbt build failed before any node ran (exit code 2); see {LOG}"
    )
