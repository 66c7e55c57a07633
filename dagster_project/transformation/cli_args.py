"""dbt command lines, built by small pure functions (unit-tested without dbt)."""

from __future__ import annotations

import json


def dbt_build_args(as_of_date: str, full_refresh: bool = False) -> list[str]:
    """`dbt build` for a run: one `--vars` per run (not per partition), so dbt parses once.

    dbt's unit tests are left out: they pin model logic on hand-written rows, so they say
    nothing about a run's data and cost a fifth of a build's dbt time; the test suite runs them
    all (tests/test_dbt_unit_tests.py). `full_refresh` rebuilds the incremental models from raw.
    """
    args = [
        "build",
        "--vars",
        json.dumps({"as_of_date": as_of_date}),
        "--exclude-resource-type",
        "unit_test",
    ]
    return [*args, "--full-refresh"] if full_refresh else args
