"""The CRM mapping and reps files: what they say, and every malformed one named by file and line."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from dagster_project.crm_fields import CRM_MAPPED_FIELDS
from dagster_project.extraction.config_files import ConfigFileError
from dagster_project.extraction.crm_mapping import load_crm_mapping
from dagster_project.extraction.crm_reps import load_reps
from dagster_project.paths import REPO_ROOT
from dagster_project.source_catalog import DEAL_STAGES


def _landing(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / "crm").mkdir(exist_ok=True)
    (tmp_path / "crm" / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_without_a_file_the_mapping_is_the_identity_on_the_contract(tmp_path) -> None:
    mapping = load_crm_mapping(tmp_path)
    assert not mapping.from_file
    assert {(p.field.name, p.property) for p in mapping.properties} == {
        (f.name, f.name) for f in CRM_MAPPED_FIELDS
    }
    assert mapping.account_values("deals", "dealstage") == DEAL_STAGES
    assert mapping.account_values("contacts", "flag") == ("true", "false")


def test_a_file_maps_names_and_values_and_keeps_the_contract_for_the_rest(tmp_path) -> None:
    landing = _landing(
        tmp_path,
        "mapping.yml",
        "deals:\n"
        "  properties:\n"
        "    deal_origin: lead_source_team\n"
        "    meddpicc_competition: ~\n"
        "  values:\n"
        "    deal_origin:\n"
        "      marketing: Inbound\n"
        "      outbound: [Outbound SDR, Outbound AE]\n"
        "    flag:\n"
        "      true: Yes\n"  # unquoted YAML booleans stay the text written
        "      false: No\n",
    )
    mapping = load_crm_mapping(landing)
    by_field = {p.field.name: p for p in mapping.properties}
    assert (by_field["deal_origin"].property, by_field["deal_origin"].line) == (
        "lead_source_team",
        3,
    )
    assert by_field["meddpicc_competition"].property is None
    assert by_field["dealstage"].property == "dealstage"
    origins = [
        (v.account_value, v.contract_value, v.line)
        for v in mapping.values
        if v.field == "deal_origin"
    ]
    assert origins == [
        ("Inbound", "marketing", 7),
        ("Outbound SDR", "outbound", 8),
        ("Outbound AE", "outbound", 8),
    ]
    assert mapping.account_values("deals", "flag") == ("Yes", "No")
    # Contacts keep the contract's values, stages too.
    assert mapping.account_values("contacts", "flag") == ("true", "false")
    assert mapping.account_values("deals", "dealstage") == DEAL_STAGES


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("deals:\n  values:\n    dealstage: [a, b\n", 4, "not valid YAML"),
        ("- contacts\n", 1, "the file must be a mapping"),
        ("tickets:\n  columns: []\n", 1, "unknown CRM object 'tickets'"),
        ("deals:\n  propertes: {}\n", 2, "unknown entry deals.propertes"),
        (
            "deals:\n  properties:\n    meddic_champ: x\n",
            3,
            "unknown field deals.properties.meddic_champ",
        ),
        (
            "contacts:\n  properties:\n    bant_need: 'need ok'\n",
            3,
            "'need ok' is not a HubSpot property name",
        ),
        (
            "deals:\n  properties:\n    deal_origin: a\n    deal_origin: b\n",
            4,
            "given twice (first on line 3)",
        ),
        (
            "contacts:\n  properties:\n    bant_budget: bant_need\n",
            3,
            "'bant_need' is mapped to both bant_budget and bant_need",
        ),
        (
            "deals:\n  values:\n    dealstage:\n      won: closedwon\n",
            4,
            "'won' is not a value of the contract",
        ),
        (
            "deals:\n  values:\n    pipeline:\n      default: sales\n",
            3,
            "unknown field with values deals.values.pipeline",
        ),
        (
            "deals:\n  values:\n    dealstage:\n      closedwon: [x, y]\n      closedlost: x\n",
            5,
            "the account value 'x' is mapped twice (first on line 4)",
        ),
        ("deals:\n  values:\n    dealstage: {}\n", 3, "must map at least one value"),
        (
            "deals:\n  values:\n    dealstage:\n      closedwon: []\n",
            4,
            "must name at least one value",
        ),
        (
            "contacts:\n  columns:\n    - {property: x, type: float}\n",
            3,
            "unknown column type 'float'",
        ),
        ("contacts:\n  columns:\n    - {property: x}\n", 3, "an entry is {property, type}"),
        (
            "contacts:\n  columns:\n    - {property: email, type: text}\n",
            3,
            "column 'email' is already a staging column of contacts",
        ),
        (
            # A column of Salesforce's staging only (the opportunity's own IsWon).
            "deals:\n  columns:\n    - {property: Won__c, type: boolean, column: is_won}\n",
            3,
            "column 'is_won' is already a staging column of deals",
        ),
        (
            "contacts:\n  columns:\n    - {property: x, type: text, column: 2x}\n",
            3,
            "'2x' is not a column name",
        ),
    ],
)
def test_a_malformed_mapping_names_file_line_and_problem(tmp_path, text, line, problem) -> None:
    landing = _landing(tmp_path, "mapping.yml", text)
    with pytest.raises(ConfigFileError) as raised:
        load_crm_mapping(landing)
    message = str(raised.value)
    assert message.startswith(f"{landing / 'crm' / 'mapping.yml'}:{line}: "), message
    assert problem in message


def test_the_mapping_example_of_the_docs_is_valid(tmp_path) -> None:
    sources = (REPO_ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(.*?)```", sources, re.DOTALL).group(1)
    mapping = load_crm_mapping(_landing(tmp_path, "mapping.yml", example))
    assert mapping.account_values("deals", "dealstage")[-3:] == (
        "closedwon",
        "1093411",
        "closedlost",
    )
    assert [c.column for c in mapping.columns] == ["preferred_language", "regional_headcount"]


def test_the_reps_file_gives_role_team_and_quota_by_email(tmp_path) -> None:
    landing = _landing(
        tmp_path,
        "reps.csv",
        "email,role,team,quarterly_quota_eur\n"
        "Ana@Example.com,AE,Sales EMEA,90000.50\n"
        "\n"
        "sam@example.com,SDR,,\n",
    )
    reps = load_reps(landing)
    assert [(r.email, r.role, r.team, r.quarterly_quota_eur, r.line) for r in reps] == [
        ("Ana@Example.com", "AE", "Sales EMEA", Decimal("90000.50"), 2),
        ("sam@example.com", "SDR", None, None, 4),
    ]
    assert load_reps(_landing(tmp_path, "reps.csv", "email,role\n")) == ()


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("", 1, "empty file"),
        ("mail,role\na@x.com,AE\n", 1, "expected email"),
        ("email,role,quota\na@x.com,AE,1\n", 1, "expected email"),
        ("email,role\na@x.com,AE,extra\n", 2, "3 fields, the header has 2"),
        ("email,role\na@x.com,AE\nb@x.com,Manager\n", 3, "role: unknown value Manager"),
        ("email,quarterly_quota_eur\na@x.com,-5\n", 2, "not a non-negative amount: -5"),
        ("email,quarterly_quota_eur\na@x.com,lots\n", 2, "not a non-negative amount: lots"),
        ("email,role\nA@x.com,AE\na@X.com,AM\n", 3, "given twice (first on line 2)"),
        ("email,role\n,AE\n", 2, "email: missing value"),
        ('email,team\na@x.com,"Sales\n', 2, "not valid CSV"),
    ],
)
def test_a_malformed_reps_file_names_file_line_and_problem(tmp_path, text, line, problem) -> None:
    landing = _landing(tmp_path, "reps.csv", text)
    with pytest.raises(ConfigFileError) as raised:
        load_reps(landing)
    message = str(raised.value)
    assert message.startswith(f"{landing / 'crm' / 'reps.csv'}:{line}: "), message
    assert problem in message
