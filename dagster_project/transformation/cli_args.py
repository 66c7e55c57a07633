"""dbt command lines, built by small pure functions (unit-tested without dbt)."""

from __future__ import annotations

import json


def dbt_build_args(as_of_date: str) -> list[str]:
    """`dbt build` for a run: one `--vars` per run (not per partition), so dbt parses once."""
    return ["build", "--vars", json.dumps({"as_of_date": as_of_date})]
