"""A company with its own CRM names publishes the same marts, given a mapping that says so.

The generated export is copied with every contract property and value of contacts and deals
renamed (as a real HubSpot account names its custom properties, lifecycle stages, pipeline stage
ids, sources and yes/no answers), its owners stripped of role, team and quota (moved to a reps
file), and two custom properties added. The renamed export is loaded by the real loader and
the sales and funnel marts built by dbt on a temporary DuckDB file: they must be identical, row
for row, to the session's build of the generated export.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from dagster_project.crm_fields import CRM_MAPPED_FIELDS
from tests.dbt_runs import FIRST_AS_OF, FIRST_LOAD, dbt_build, load_raw, warehouse_file

SELECTION = ("+path:models/marts/sales", "+path:models/marts/funnel")
FLAGS = {"true": "Yes", "false": "No"}
# A value of the account that no record uses: a contract value may stand for several.
EXTRA_VALUES = {"lifecyclestage": {"lead": "subscriber"}, "dealstage": {"closedwon": "9000001"}}


def _account_value(field_name: str, index: int, value: str) -> str:
    """The renamed account's value for a contract value (deal stages become numeric ids)."""
    if field_name == "dealstage":
        return str(1093400 + index)
    return f"acme {value.lower().replace('_', ' ')}"


VALUES = {
    field.name: {
        value: _account_value(field.name, i, value) for i, value in enumerate(field.values)
    }
    for field in CRM_MAPPED_FIELDS
    if field.kind == "values"
}


def _renamed_property(name: str) -> str:
    return f"acme_{name}"


def _mapping_yaml() -> str:
    """Every contract field and value of contacts and deals under the account's names."""
    lines: list[str] = []
    for object_type in ("contacts", "deals"):
        fields = [f for f in CRM_MAPPED_FIELDS if f.object_type == object_type]
        lines += [f"{object_type}:", "  properties:"]
        lines += [f"    {f.name}: {_renamed_property(f.name)}" for f in fields]
        lines += ["  values:"]
        for field in (f for f in fields if f.kind == "values"):
            lines.append(f"    {field.name}:")
            for contract, account in VALUES[field.name].items():
                extra = EXTRA_VALUES.get(field.name, {}).get(contract)
                lines.append(
                    f"      {contract}: {json.dumps([account, extra] if extra else [account])}"
                )
        lines += ["    flag:", *(f'      "{c}": {a}' for c, a in FLAGS.items())]
        if object_type == "contacts":
            lines += [
                "  columns:",
                "    - {property: acme_seats_planned, type: integer, column: seats_planned}",
                "    - {property: acme_is_partner, type: boolean}",
            ]
    return "\n".join(lines) + "\n"


def _rename_record(record: dict, object_type: str) -> dict:
    properties = dict(record["properties"])
    for field in (f for f in CRM_MAPPED_FIELDS if f.object_type == object_type):
        value = properties.pop(field.name, None)
        if value is not None and field.kind == "values":
            value = VALUES[field.name][value]
        elif value is not None and field.kind == "flag":
            value = FLAGS[value]
        properties[_renamed_property(field.name)] = value
        history = record.get("propertiesWithHistory", {})
        if field.history and field.name in history:
            changes = history.pop(field.name)
            history[_renamed_property(field.name)] = [
                {**change, "value": VALUES[field.name][change["value"]]} for change in changes
            ]
    if object_type == "contacts":
        number = int(record["id"]) % 50
        properties |= {
            "acme_region": "North" if number % 2 else "South",
            "acme_seats_planned": str(number),
            "acme_is_partner": FLAGS["true" if number % 3 == 0 else "false"],
        }
    return {**record, "properties": properties}


def _rewrite(path: Path, change: Callable[[dict], dict]) -> None:
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    path.write_text("".join(json.dumps(change(r)) + "\n" for r in records), encoding="utf-8")


def _renamed_company(source: Path, target: Path) -> None:
    shutil.copytree(source, target)
    crm = target / "crm"
    for object_type in ("contacts", "deals"):
        for path in sorted((crm / object_type).rglob("*.jsonl")):
            _rewrite(path, lambda record, kind=object_type: _rename_record(record, kind))
    reps: list[dict[str, str]] = []

    def strip_rep_fields(owner: dict) -> dict:
        properties = dict(owner["properties"])
        rep = {name: properties.pop(name) or "" for name in ("role", "team", "quarterly_quota_eur")}
        # Emails as a person types them: matched case-insensitively.
        reps.append({"email": properties["email"].upper(), **rep})
        return {**owner, "properties": properties}

    for path in sorted((crm / "owners").rglob("*.jsonl")):
        _rewrite(path, strip_rep_fields)
    with (crm / "reps.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["email", "role", "team", "quarterly_quota_eur"])
        writer.writeheader()
        writer.writerows(reps)
    (crm / "mapping.yml").write_text(_mapping_yaml(), encoding="utf-8")


def _build(database: Path, landing: Path) -> None:
    load_raw(database, landing, FIRST_LOAD)
    dbt_build(database, FIRST_AS_OF, "--select", *SELECTION)


def _differences(con: duckdb.DuckDBPyConnection, schema: str, table: str, columns: str) -> int:
    both_ways = [
        f"select {columns} from {a}.{schema}.{table} except all "
        f"select {columns} from {b}.{schema}.{table}"
        for a, b in (("base", "renamed"), ("renamed", "base"))
    ]
    return sum(con.execute(f"select count(*) from ({query})").fetchone()[0] for query in both_ways)


@pytest.fixture(scope="module")
def builds(landing, build_warehouse, tmp_path_factory) -> tuple[Path, Path]:
    """The session's build file (the generated company, built as of the same day, every layer)
    and the renamed company's build, which runs its dbt tests too (stages, sources, roles hold
    contract values)."""
    work = tmp_path_factory.mktemp("crm_renamed")
    renamed_landing = work / "renamed_landing"
    _renamed_company(landing[0], renamed_landing)
    renamed = warehouse_file(work, "renamed")
    _build(renamed, renamed_landing)
    return build_warehouse, renamed


def test_the_renamed_account_publishes_identical_marts(builds) -> None:
    con = duckdb.connect()
    for alias, path in zip(("base", "renamed"), builds, strict=True):
        con.execute(f"attach '{path}' as {alias} (read_only)")
    marts = {
        alias: {
            row[0]
            for row in con.execute(
                "select table_name from duckdb_tables() "
                f"where database_name = '{alias}' and schema_name = 'marts'"
            ).fetchall()
        }
        for alias in ("base", "renamed")
    }
    # The session's warehouse holds every mart; the renamed build the sales and funnel ones.
    assert marts["renamed"] <= marts["base"]
    assert {"fct_opportunities", "fct_leads", "metrics_funnel_monthly"} <= marts["renamed"]
    for table in sorted(marts["renamed"]):
        rows = con.execute(f"select count(*) from base.marts.{table}").fetchone()[0]
        assert rows > 0, table
        assert _differences(con, "marts", table, "*") == 0, table
    # The contract columns of CRM staging too: the mapping and the reps file undo the renaming.
    for table in ("contacts", "deals", "owners", "deal_stage_history", "contact_lifecycle_history"):
        columns = con.execute(
            "select string_agg(column_name, ', ' order by column_index) from duckdb_columns() "
            f"where database_name = 'base' and table_name = 'stg_crm__{table}' "
            # When each build loaded its raw rows says nothing of the mapping.
            "and column_name not in ('custom_properties', 'loaded_at')"
        ).fetchone()[0]
        assert _differences(con, "staging", f"stg_crm__{table}", columns) == 0, table
    roles = con.execute(
        "select count(*), count(role), count(quarterly_quota_eur) "
        "from renamed.staging.stg_crm__owners"
    ).fetchone()
    assert roles[0] == roles[1] > roles[2] > 0


def test_other_custom_properties_reach_staging_as_json_and_typed_columns(builds) -> None:
    base, renamed = builds
    with duckdb.connect(str(renamed), read_only=True) as con:
        rows = con.execute(
            "select contact_id, custom_properties::varchar, seats_planned, acme_is_partner "
            "from staging.stg_crm__contacts"
        ).fetchall()
    assert rows
    for contact_id, custom_properties, seats_planned, is_partner in rows:
        number = int(contact_id) % 50
        # Only the properties neither staging's columns nor the mapping read.
        assert json.loads(custom_properties) == {
            "acme_region": "North" if number % 2 else "South",
            "acme_seats_planned": str(number),
            "acme_is_partner": "Yes" if number % 3 == 0 else "No",
        }
        assert (seats_planned, is_partner) == (number, number % 3 == 0)
    with duckdb.connect(str(base), read_only=True) as con:
        assert con.execute(
            "select distinct custom_properties::varchar from staging.stg_crm__deals"
        ).fetchall() == [("{}",)]
