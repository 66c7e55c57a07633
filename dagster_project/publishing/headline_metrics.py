"""`headline_metrics`: the published warehouse's headline values as materialization metadata."""

# No `from __future__ import annotations`: Dagster inspects the resource annotation at runtime.
import dagster as dg

from dagster_project import duckdb_limits
from dagster_project.automation.faults import fail_once_unless_transient
from dagster_project.publishing.headline import read_headline
from dagster_project.resources import WarehouseResource


@dg.asset(
    key=dg.AssetKey(["headline_metrics"]),
    deps=[dg.AssetKey(["published_warehouse"])],
    group_name="publish",
    kinds={"duckdb"},
    description=(
        "MRR, ARR, NRR, GRR, win rate and MQL->SQL of the published warehouse, read from the "
        "marts after publish; the UI plots them run after run."
    ),
)
def headline_metrics(warehouse: WarehouseResource) -> dg.MaterializeResult:
    # The served copy, read-only: what BI tools see, and no second writer on the build file.
    with (
        fail_once_unless_transient(),
        duckdb_limits.connect(warehouse.published_database, read_only=True) as con,
    ):
        headline = read_headline(con, warehouse.effective_as_of_date())
    return dg.MaterializeResult(metadata=headline.metadata())
