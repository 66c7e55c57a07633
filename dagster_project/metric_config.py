"""The metric definitions' configuration, read from the one place dbt reads it.

Thresholds, weights and windows live in `dbt/dbt_project.yml` under `vars:`; Python checks read
them here so that a changed definition moves the dbt model and its check together.
"""

from __future__ import annotations

import json
import os
from functools import cache
from typing import Any

import yaml

from dagster_project.paths import DBT_PROJECT_DIR
from dagster_project.source_catalog import CRM_SOURCES, CrmSource

# A run-time choice of the company's CRM, over dbt_project.yml's `crm_source` (crm_source()).
CRM_SOURCE_ENV = "REVOPS_CRM_SOURCE"


@cache
def metric_vars() -> dict[str, Any]:
    with (DBT_PROJECT_DIR / "dbt_project.yml").open(encoding="utf-8") as handle:
        return dict(yaml.safe_load(handle)["vars"])


def default_as_of_date() -> str:
    """The as-of date of a run that names none (`as_of_date` itself is a template over it)."""
    return str(metric_vars()["default_as_of_date"])


def crm_source() -> CrmSource:
    """The company's CRM: which landing tables extraction reads and which staging models feed
    the intermediate CRM layer. `REVOPS_CRM_SOURCE` when set (a choice for one run or demo,
    which dbt then receives as the var: dbt_crm_vars), else `crm_source` in dbt_project.yml."""
    setting = os.environ.get(CRM_SOURCE_ENV, "").strip()
    crm = setting or str(metric_vars().get("crm_source", "hubspot"))
    if crm not in CRM_SOURCES:
        where = CRM_SOURCE_ENV if setting else "dbt/dbt_project.yml: vars.crm_source"
        raise ValueError(f"{where} is {crm!r}; expected one of {', '.join(CRM_SOURCES)}")
    return crm  # type: ignore[return-value]


def dbt_crm_vars() -> list[str]:
    """The `--vars` that give dbt the CRM crm_source() chose, for every dbt command of a run
    (parse, build): none when it is dbt_project.yml's own, so a run without the setting
    invokes dbt exactly as before (and keeps its parsed project)."""
    crm = crm_source()
    if crm == metric_vars().get("crm_source", "hubspot"):
        return []
    return ["--vars", json.dumps({"crm_source": crm})]
