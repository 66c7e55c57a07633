"""The rules, one module per folder of `dbt/models/marts/` (and `raw` for the raw tables).

Suites encode the metric specification's invariants: what a definition promises of its numbers
(every MQL had the threshold score and an intent signal, the MRR bridge closes to the cent, GRR
never exceeds NRR...). Keys, relationships and configuration sanity are dbt tests; row validity
is extraction's (docs/quality.md). Every threshold, weight and cut-off is read from `config`
(dbt_project.yml's vars, the ones the models read), so changing a definition there moves the
model and its check together.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagster_project.quality.engine.suite import Suite
from dagster_project.quality.suites.finance import finance_suites
from dagster_project.quality.suites.funnel import funnel_suites
from dagster_project.quality.suites.health import health_suites
from dagster_project.quality.suites.revenue import revenue_suites
from dagster_project.quality.suites.sales import sales_suites
from dagster_project.quality.suites.scorecards import scorecards_suites
from dagster_project.quality.suites.segments import segments_suites
from dagster_project.quality.suites.sla import sla_suites


def mart_suites(config: Mapping[str, Any]) -> list[Suite]:
    """One suite per public mart."""
    return [
        *finance_suites(config),
        *funnel_suites(config),
        *health_suites(config),
        *revenue_suites(config),
        *sales_suites(config),
        *scorecards_suites(config),
        *segments_suites(config),
        *sla_suites(config),
    ]
