"""The company's CRM chosen for one run: `REVOPS_CRM_SOURCE` over dbt_project.yml's `crm_source`.

metric_config.crm_source() is the one reading of the choice: extraction's tables and landing
days follow it, and every dbt command of a run gets it as a var (dbt_crm_vars). Pure functions
and a landing folder of empty files: no warehouse, no dbt.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from dagster_project.extraction.landing import initial_export_day, landing_files
from dagster_project.metric_config import CRM_SOURCE_ENV, crm_source, dbt_crm_vars
from dagster_project.transformation.cli_args import dbt_build_args

AS_OF = date(2017, 8, 31)


def _org_landing(root: Path) -> Path:
    """An org's export, and its first increment on 2 August."""
    for path in (
        "salesforce/account/part-0000.jsonl",
        "salesforce/opportunity/date=2017-08-02/part-0000.jsonl",
    ):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text("{}\n")
    return root


def test_the_setting_chooses_the_crm_and_dbt_gets_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CRM_SOURCE_ENV, raising=False)
    assert crm_source() == "hubspot"  # dbt_project.yml's
    assert dbt_crm_vars() == []
    assert dbt_build_args() == ["build", "--exclude-resource-type", "unit_test"]

    monkeypatch.setenv(CRM_SOURCE_ENV, "salesforce")
    assert crm_source() == "salesforce"
    assert dbt_build_args() == [
        "build",
        "--exclude-resource-type",
        "unit_test",
        "--vars",
        '{"crm_source": "salesforce"}',
    ]
    # The project's own CRM named again changes nothing dbt sees.
    monkeypatch.setenv(CRM_SOURCE_ENV, "hubspot")
    assert dbt_crm_vars() == []

    monkeypatch.setenv(CRM_SOURCE_ENV, "pipedrive")
    with pytest.raises(ValueError, match="REVOPS_CRM_SOURCE is 'pipedrive'; expected one of"):
        crm_source()


def test_an_orgs_increments_date_its_export_whatever_the_configured_crm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing = _org_landing(tmp_path)
    monkeypatch.delenv(CRM_SOURCE_ENV, raising=False)
    # Loaded as Salesforce under the HubSpot configuration (as a test loads an org), the export
    # lands the day before the org's first increment, not on the as-of date.
    assert initial_export_day(landing, AS_OF, "salesforce") == date(2017, 8, 1)
    assert initial_export_day(landing, AS_OF) == AS_OF  # HubSpot's tables: none here

    monkeypatch.setenv(CRM_SOURCE_ENV, "salesforce")
    assert initial_export_day(landing, AS_OF) == date(2017, 8, 1)
    assert [(f.relative, f.landing_date) for f in landing_files(landing, AS_OF)] == [
        ("salesforce/account/part-0000.jsonl", date(2017, 8, 1)),
        ("salesforce/opportunity/date=2017-08-02/part-0000.jsonl", date(2017, 8, 2)),
    ]
