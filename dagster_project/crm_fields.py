"""The contract's own CRM fields: in a real HubSpot account they are custom properties (or, for
stages and sources, the account's own values), named by the account's CRM mapping
(extraction/crm_mapping.py).

Which fields there are, per object and in the contract's order, with each field's kind, is
`vars.crm_contract_fields` in dbt/dbt_project.yml: the staging models read every record through
that list, and extraction checks records against it, so a new field reaches both. This module
adds what only extraction needs: the contract's values of a field with values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast

from dagster_project.metric_config import metric_vars
from dagster_project.source_catalog import (
    ANALYTICS_SOURCES,
    DEAL_ORIGINS,
    DEAL_STAGES,
    LIFECYCLE_STAGES,
)

# `values`: the contract's values the account's values map to; `flag`: a yes/no checkbox;
# `timestamp`: an ISO 8601 time.
CrmFieldKind = Literal["values", "flag", "timestamp"]
_KINDS: tuple[CrmFieldKind, ...] = ("values", "flag", "timestamp")


@dataclass(frozen=True)
class CrmField:
    object_type: str  # the HubSpot object: contacts or deals
    name: str  # the contract's property name (and the generator's)
    kind: CrmFieldKind
    values: tuple[str, ...] = ()
    # How a quarantine reason names an unmapped value ("unmapped deal stage: X").
    label: str = ""
    # HubSpot exports the property's past values in `propertiesWithHistory.<property>`.
    history: bool = False


# A field with values: the contract's values, its name in a quarantine reason, and whether
# HubSpot exports its history.
_VOCABULARIES: dict[str, tuple[tuple[str, ...], str, bool]] = {
    "lifecyclestage": (LIFECYCLE_STAGES, "lifecycle stage", True),
    "hs_analytics_source": (ANALYTICS_SOURCES, "source", False),
    "dealstage": (DEAL_STAGES, "deal stage", True),
    "deal_origin": (DEAL_ORIGINS, "deal origin", False),
}


def _field(object_type: str, name: str, kind: str) -> CrmField:
    where = f"dbt/dbt_project.yml: vars.crm_contract_fields.{object_type}.{name}"
    if kind not in _KINDS:
        raise ValueError(f"{where} is {kind!r}; expected one of {', '.join(_KINDS)}")
    if kind != "values":
        return CrmField(object_type, name, cast(CrmFieldKind, kind))
    if name not in _VOCABULARIES:
        raise ValueError(f"{where}: a field with values needs its contract values in {__name__}")
    values, label, history = _VOCABULARIES[name]
    return CrmField(object_type, name, "values", values, label, history)


CRM_MAPPED_FIELDS: tuple[CrmField, ...] = tuple(
    _field(object_type, name, kind)
    for object_type, fields in metric_vars()["crm_contract_fields"].items()
    for name, kind in fields.items()
)
# A deal's qualification checkboxes, in the contract's order (the generator draws them so).
MEDDIC_FIELDS = tuple(
    f.name for f in CRM_MAPPED_FIELDS if f.object_type == "deals" and f.kind == "flag"
)
