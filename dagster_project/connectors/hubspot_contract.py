"""HubSpot's answers in the landing contract's shapes: which properties each object carries,
its history and associations, strings for every property, owners as the contract has them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dagster_project.connectors.sync_state import Record
from dagster_project.crm_fields import CRM_MAPPED_FIELDS, MEDDIC_FIELDS
from dagster_project.extraction.crm_mapping import CrmMapping

# The contract's properties of each object (docs/sources.md), in the contract's order.
PROPERTIES = {
    "companies": (
        "name",
        "domain",
        "industry",
        "country",
        "numberofemployees",
        "annualrevenue",
        "hubspot_owner_id",
        "createdate",
    ),
    "contacts": (
        "email",
        "firstname",
        "lastname",
        "jobtitle",
        "associatedcompanyid",
        "hubspot_owner_id",
        "hs_analytics_source",
        "lifecyclestage",
        "createdate",
        "bant_budget",
        "bant_authority",
        "bant_need",
        "bant_timing",
        "bant_qualified_at",
        "bmanter_market",
        "bmanter_reference",
    ),
    "deals": (
        "dealname",
        "amount",
        "deal_currency_code",
        "pipeline",
        "dealstage",
        "closedate",
        "createdate",
        "hubspot_owner_id",
        "deal_origin",
        *MEDDIC_FIELDS,
        "closed_lost_reason",
        "dealtype",
    ),
    "engagements": (
        "hs_engagement_type",
        "hs_timestamp",
        "hubspot_owner_id",
        "hs_call_duration",
        "hs_email_direction",
    ),
}
HISTORY = {"contacts": "lifecyclestage", "deals": "dealstage"}
ASSOCIATIONS = {
    "deals": ("companies", "contacts"),
    "engagements": ("contacts", "companies", "deals"),
}
# HubSpot keeps engagements as three object types; the contract has one table.
ENGAGEMENT_KINDS = {"calls": "CALL", "emails": "EMAIL", "meetings": "MEETING"}
_SINGULAR = {"companies": "company", "contacts": "contact", "deals": "deal"}


def epoch_ms(value: str) -> int:
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)


def _text(value: Any) -> str | None:
    """HubSpot properties are strings; a number or flag sent typed is written as HubSpot would."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def account_properties(object_type: str, mapping: CrmMapping) -> dict[str, str]:
    """The account's name of each contract property the export carries (crm/mapping.yml), plus
    the custom properties the mapping asks for as typed columns."""
    names = {p: p for p in PROPERTIES[object_type]}
    for crm_field in CRM_MAPPED_FIELDS:
        if crm_field.object_type == object_type:
            account = mapping.property_of(crm_field).property
            names.pop(crm_field.name, None)
            if account is not None:
                names[account] = account
    for column in mapping.columns:
        if column.object_type == object_type:
            names[column.property] = column.property
    return names


def contract_record(
    table: str,
    engagement_type: str | None,
    record: Record,
    names: dict[str, str],
    linked: dict[str, list[str]],
) -> Record:
    """A record HubSpot returned, in the contract's shape: every contract property as a string
    (null when absent), the engagement type, associations by target, the history kept."""
    props = record["properties"]
    if engagement_type:
        props = {**props, "hs_engagement_type": engagement_type}
    out: Record = {
        "id": str(record["id"]),
        "properties": {name: _text(props.get(name)) for name in names},
        "createdAt": record["createdAt"],
        "updatedAt": record["updatedAt"],
        "archived": record.get("archived", False),
    }
    if linked:
        source = "engagement" if engagement_type else _SINGULAR[table]
        out["associations"] = {
            target: {
                # HubSpot lists an association once per label: each linked record once.
                "results": [
                    {"id": linked_id, "type": f"{source}_to_{_SINGULAR[target]}"}
                    for linked_id in dict.fromkeys(ids)
                ]
            }
            for target, ids in linked.items()
        }
    if table in HISTORY:
        out["propertiesWithHistory"] = dict(record.get("propertiesWithHistory") or {})
    return out


def owner_record(owner: Record) -> Record:
    """An owner in the contract's shape. HubSpot keeps no role, quota or hire date: role and
    quota come from crm/reps.csv, the hire date is the day the owner was created."""
    teams = owner.get("teams") or []
    primary = next((t for t in teams if t.get("primary")), teams[0] if teams else None)
    return {
        "id": str(owner["id"]),
        "properties": {
            "email": owner.get("email"),
            "firstname": owner.get("firstName"),
            "lastname": owner.get("lastName"),
            "role": None,
            "team": primary["name"] if primary else None,
            "quarterly_quota_eur": None,
            "hire_date": owner["createdAt"][:10],
        },
        "createdAt": owner["createdAt"],
        "updatedAt": owner["updatedAt"],
        "archived": owner.get("archived", False),
    }
