"""dbt command lines, built by small pure functions (unit-tested without dbt)."""

from __future__ import annotations

import json


def dbt_build_args(as_of_date: str, full_refresh: bool = False) -> list[str]:
    """`dbt build` for a run: one `--vars` per run (not per partition), so dbt parses once.

    `full_refresh` rebuilds the incremental models from raw instead of adding to them.
    """
    args = ["build", "--vars", json.dumps({"as_of_date": as_of_date})]
    return [*args, "--full-refresh"] if full_refresh else args
