"""Suites for the public marts: the metric definitions of METRICS.md, as expectations.

Every threshold, weight and cut-off is read from `config` (dbt_project.yml's vars, the ones the
models read), so changing a definition there moves the model and its check together. Where a
definition spans columns or rows (stage order, the MRR bridge, PQL features), the frame's SQL
computes the quantity in DuckDB and the rule bounds it, so a failure shows the discrepancy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagster_project.quality.finance_suites import finance_suites
from dagster_project.quality.funnel_suites import funnel_suites
from dagster_project.quality.health_suites import health_suites
from dagster_project.quality.sales_suites import sales_suites
from dagster_project.quality.segments_suites import segments_suites
from dagster_project.quality.suites import Suite


def mart_suites(config: Mapping[str, Any]) -> list[Suite]:
    return [
        *funnel_suites(config),
        *sales_suites(config),
        *finance_suites(config),
        *health_suites(config),
        *segments_suites(config),
    ]
