"""Hand-made CRM exports read through a CRM mapping by the real loader, on a temporary DuckDB.

The bad input of a company's own CRM: a mapped property missing from the export, values the
mapping does not know (quarantined and counted), a malformed mapping or reps file (the run fails
before anything loads, the published warehouse untouched).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project.crm_fields import CRM_MAPPED_FIELDS
from dagster_project.extraction.assets import build_extraction_assets
from dagster_project.extraction.loader import ExtractionError, load_source_table
from dagster_project.extraction.partitions import day_range_tags
from dagster_project.source_catalog import SOURCE_TABLES
from tests.conftest import make_warehouse

LOADED_AT = datetime(2026, 9, 30, 6, 0)
CONTACTS = next(t for t in SOURCE_TABLES if t.raw_table == "crm_contacts")
DEALS = next(t for t in SOURCE_TABLES if t.raw_table == "crm_deals")
# The account calls the deal stage `deal_phase`, with its own stage ids and yes/no values.
MAPPING = """\
deals:
  properties:
    dealstage: deal_phase
    meddic_champion: has_champion
  values:
    dealstage:
      detection: appointmentscheduled
      demo: "1093405"
      closedwon: [closedwon, "1093411"]
      closedlost: closedlost
    flag:
      "true": Yes
      "false": No
contacts:
  properties:
    lifecyclestage: stage
  values:
    lifecyclestage:
      lead: [subscriber, lead]
      customer: customer
"""


def _record(object_type: str, record_id: str, history: dict, **properties: str | None) -> str:
    """A HubSpot object carrying every contract property of its type (null) but the renamed."""
    renamed = {
        "dealstage": "deal_phase",
        "meddic_champion": "has_champion",
        "lifecyclestage": "stage",
    }
    contract = {
        renamed.get(f.name, f.name): None for f in CRM_MAPPED_FIELDS if f.object_type == object_type
    }
    links = {"companies": {"results": [{"id": "7"}]}} if object_type == "deals" else None
    return json.dumps(
        {
            "id": record_id,
            "properties": {"hubspot_owner_id": "9", **contract, **properties},
            "createdAt": "2025-01-02T03:04:05.000Z",
            "updatedAt": "2025-01-02T03:04:05.000Z",
            "archived": False,
            **({"associations": links} if links else {}),
            "propertiesWithHistory": history,
        }
    )


def _stages(*values: str) -> dict:
    return {"deal_phase": [{"value": v, "timestamp": "2025-01-02T03:04:05.000Z"} for v in values]}


def _write(landing: Path, relative: str, *lines: str) -> None:
    path = landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    landing = tmp_path / "landing"
    _write(landing, "crm/mapping.yml", MAPPING)
    _write(
        landing,
        "crm/deals/part-0000.jsonl",
        _record("deals", "1", _stages("1093405", "appointmentscheduled"), deal_phase="1093405"),
        _record("deals", "2", _stages("9999"), deal_phase="9999"),
        _record("deals", "3", _stages("closedwon", "9999"), deal_phase="closedwon"),
        _record("deals", "4", _stages("1093411"), deal_phase="1093411", has_champion="Yes"),
        _record("deals", "5", _stages("closedlost"), deal_phase="closedlost", has_champion="maybe"),
    )
    return landing


def _rejected(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "select record_id, field, reason from quarantine.rejected_rows order by record_id"
    ).fetchall()


def test_unmapped_values_are_quarantined_with_their_reason_and_counted(landing, con) -> None:
    result = load_source_table(con, DEALS, landing, LOADED_AT)

    assert _rejected(con) == [
        ("2", "deal_phase", "unmapped deal stage: 9999"),
        ("3", "propertiesWithHistory.deal_phase", "unmapped deal stage: 9999"),
        ("5", "has_champion", "unmapped flag value: maybe"),
    ]
    assert con.execute("select id from raw.crm_deals order by id").fetchall() == [("1",), ("4",)]
    accounting = result.accounting
    assert (accounting.rows_read, accounting.rows_loaded, accounting.rows_quarantined) == (5, 2, 3)
    assert con.execute(
        "select rows_read, rows_loaded, rows_quarantined from meta.loaded_files"
    ).fetchall() == [(5, 2, 3)]


def test_an_unmapped_lifecycle_stage_is_quarantined_too(tmp_path, con) -> None:
    landing = tmp_path / "landing"
    _write(landing, "crm/mapping.yml", MAPPING)
    history = {"stage": [{"value": "evangelist", "timestamp": "2025-01-02T03:04:05.000Z"}]}
    _write(
        landing,
        "crm/contacts/part-0000.jsonl",
        _record("contacts", "1", {"stage": []}, stage="subscriber", associatedcompanyid="7"),
        _record("contacts", "2", {"stage": []}, stage="evangelist"),
        _record("contacts", "3", history, stage="customer"),
    )

    load_source_table(con, CONTACTS, landing, LOADED_AT)

    assert _rejected(con) == [
        ("2", "stage", "unmapped lifecycle stage: evangelist"),
        ("3", "propertiesWithHistory.stage", "unmapped lifecycle stage: evangelist"),
    ]


def test_once_the_mapping_knows_a_value_its_records_load_again(landing, con) -> None:
    load_source_table(con, DEALS, landing, LOADED_AT)
    _write(landing, "crm/mapping.yml", MAPPING.replace('"1093405"', '["1093405", "9999"]'))

    result = load_source_table(con, DEALS, landing, datetime(2026, 10, 1))

    # The export did not change; the rules did, so every file of the table was read again.
    assert result.files == ("crm/deals/part-0000.jsonl",)
    assert con.execute("select id from raw.crm_deals order by id").fetchall() == [
        ("1",),
        ("2",),
        ("3",),
        ("4",),
    ]
    assert _rejected(con) == [("5", "has_champion", "unmapped flag value: maybe")]
    assert con.execute("select count(*) from raw.crm_deals__versions").fetchone() == (4,)


def test_a_mapped_property_absent_from_the_export_names_it_the_table_and_the_file(
    landing, con
) -> None:
    _write(landing, "crm/mapping.yml", MAPPING.replace("has_champion", "champion_confirmed"))

    with pytest.raises(ExtractionError) as raised:
        load_source_table(con, DEALS, landing, LOADED_AT)

    message = str(raised.value)
    assert "'champion_confirmed'" in message and "crm_deals" in message
    assert f"{landing / 'crm' / 'mapping.yml'} (line 4)" in message
    assert con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'raw' "
        "and table_name like 'crm_deals%'"
    ).fetchone() == (0,)


def test_a_malformed_mapping_fails_the_run_before_anything_loads(landing, tmp_path) -> None:
    _write(landing, "crm/mapping.yml", MAPPING.replace("      demo:", "      dmo:"))
    warehouse = make_warehouse(tmp_path / "data", landing)

    result = dg.materialize(
        build_extraction_assets(),
        resources={"warehouse": warehouse},
        tags=day_range_tags(LOADED_AT.date(), LOADED_AT.date()),
        raise_on_error=False,
    )

    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "RESOURCE_INIT_FAILURE")
    message = failure.event_specific_data.error.message
    assert f"{landing / 'crm' / 'mapping.yml'}:8: deals.values.dealstage: 'dmo'" in message
    assert not [e for e in result.all_events if e.is_step_start]
    assert not Path(warehouse.database).exists()


def test_a_malformed_reps_file_fails_the_full_build_and_leaves_the_published_warehouse(
    landing, tmp_path
) -> None:
    from dagster_project.run_pipeline import execute

    _write(landing, "crm/reps.csv", "email,role\nrep@example.com,Closer")
    warehouse = make_warehouse(tmp_path / "data", landing)
    Path(warehouse.published_database).parent.mkdir(parents=True)
    with duckdb.connect(warehouse.published_database) as published:
        published.execute("create table served as select 42 as answer")
    before = Path(warehouse.published_database).read_bytes()

    result = execute(warehouse, LOADED_AT.date(), LOADED_AT.date())

    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "RESOURCE_INIT_FAILURE")
    assert "reps.csv:2: role: unknown value Closer" in failure.event_specific_data.error.message
    assert Path(warehouse.published_database).read_bytes() == before
    assert not Path(warehouse.database).exists()
