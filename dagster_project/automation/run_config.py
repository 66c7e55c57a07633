"""What a scheduled or sensed run of `full_build` is asked to build: the as-of date and paths."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from dagster_project.resources import default_warehouse

AS_OF_TAG = "revops/as_of_date"


def as_of_date_for(moment: datetime) -> str:
    """The last complete day before `moment` (in `moment`'s timezone): what a run reports on."""
    return (moment.date() - timedelta(days=1)).isoformat()


def warehouse_run_config(as_of_date: str) -> dict[str, Any]:
    """Run config giving the warehouse resource its as-of date.

    Run config replaces a resource's configuration as a whole (fields set in code are not kept as
    defaults), so every field is passed, resolved now from `paths.py` as the definitions do.
    """
    config = default_warehouse(as_of_date).model_dump()
    return {"resources": {"warehouse": {"config": config}}}
