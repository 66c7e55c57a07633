"""The metric definitions' configuration, read from the one place dbt reads it.

Thresholds, weights and windows live in `dbt/dbt_project.yml` under `vars:`; Python checks read
them here so that a changed definition moves the dbt model and its check together.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml

from dagster_project.paths import DBT_PROJECT_DIR
from dagster_project.source_catalog import CRM_SOURCES, CrmSource


@cache
def metric_vars() -> dict[str, Any]:
    with (DBT_PROJECT_DIR / "dbt_project.yml").open(encoding="utf-8") as handle:
        return dict(yaml.safe_load(handle)["vars"])


def default_as_of_date() -> str:
    """The as-of date of a run that names none (`as_of_date` itself is a template over it)."""
    return str(metric_vars()["default_as_of_date"])


def crm_source() -> CrmSource:
    """The company's CRM (`crm_source`): which landing tables extraction reads and which staging
    models feed the intermediate CRM layer."""
    crm = str(metric_vars().get("crm_source", "hubspot"))
    if crm not in CRM_SOURCES:
        raise ValueError(
            f"dbt/dbt_project.yml: vars.crm_source is {crm!r}; "
            f"expected one of {', '.join(CRM_SOURCES)}"
        )
    return crm  # type: ignore[return-value]
