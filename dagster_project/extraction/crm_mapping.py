"""The CRM mapping: which of the account's HubSpot properties and values stand for the contract's.

The landing contract (docs/sources.md) names its own CRM properties: BANT and BMANTER flags,
MEDDIC / MEDDPICC boxes, deal origin, and the values of lifecycle stage, deal stage, source and
origin. A real account has its own custom properties and values: `<landing>/crm/mapping.yml`
names them. Without that file the mapping is the identity on the contract's names, which the
sample generator writes. The file may also ask for custom properties as typed staging columns.

The mapping is validated at run start (resources.py); row rules quarantine values it does not
map (extraction/rules.py); the extraction writes it to `raw.crm_mapping`, which staging joins
(extraction/crm_config.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from dagster_project.crm_fields import CRM_MAPPED_FIELDS, CrmField
from dagster_project.extraction.config_files import YamlReader, compose_yaml, is_null, line_of
from dagster_project.paths import DBT_PROJECT_DIR

MAPPING_FILE = Path("crm") / "mapping.yml"
# Objects whose other custom properties staging passes through (JSON and typed columns).
CUSTOM_PROPERTY_OBJECTS = ("contacts", "deals", "companies", "engagements")
COLUMN_TYPES = ("text", "boolean", "integer", "decimal", "date", "timestamp")
FLAG_VALUES = ("true", "false")
# HubSpot internal property names: letters, digits, underscores. Checked, they are safe to
# inline into SQL as JSON keys.
_PROPERTY_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_COLUMN_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
_DEFAULT = "the default mapping"


@dataclass(frozen=True)
class PropertyName:
    field: CrmField
    # The account's property; None when the account does not track the field (staging: null).
    property: str | None
    line: int  # 0: not in a file, the contract's own name


@dataclass(frozen=True)
class ValueName:
    object_type: str
    field: str  # a CrmField's name, or "flag" for every flag of the object
    account_value: str
    contract_value: str
    line: int


@dataclass(frozen=True)
class CustomColumn:
    object_type: str
    column: str
    property: str
    type: str
    line: int


@dataclass(frozen=True)
class CrmMapping:
    source: str  # the file read, or "the default mapping"
    properties: tuple[PropertyName, ...]
    values: tuple[ValueName, ...]
    columns: tuple[CustomColumn, ...]

    @property
    def from_file(self) -> bool:
        """A file describes the account: every property it maps must be in the export."""
        return self.source != _DEFAULT

    def property_of(self, field: CrmField) -> PropertyName:
        return next(p for p in self.properties if p.field == field)

    def account_values(self, object_type: str, field: str) -> tuple[str, ...]:
        return tuple(
            v.account_value
            for v in self.values
            if v.object_type == object_type and v.field == field
        )

    def checked_properties(self, object_type: str) -> list[tuple[str, str, int]]:
        """(property, what names it, line) of every property the mapping reads from the export."""
        named = [
            (p.property, f"{object_type}.properties.{p.field.name}", p.line)
            for p in self.properties
            if p.field.object_type == object_type and p.property
        ]
        named += [
            (c.property, f"{object_type}.columns ({c.column})", c.line)
            for c in self.columns
            if c.object_type == object_type
        ]
        return named


def mapping_path(landing_dir: Path) -> Path:
    return landing_dir / MAPPING_FILE


def load_crm_mapping(landing_dir: Path) -> CrmMapping:
    """The landing folder's mapping file merged over the identity; the identity without one."""
    path = mapping_path(landing_dir)
    if not path.is_file():
        return _identity()
    return _read(path)


@cache
def _identity() -> CrmMapping:
    return CrmMapping(
        source=_DEFAULT,
        properties=tuple(PropertyName(field, field.name, 0) for field in CRM_MAPPED_FIELDS),
        values=tuple(
            value
            for object_type in CUSTOM_PROPERTY_OBJECTS
            for value in (*_identity_values(object_type), *_identity_flags(object_type))
        ),
        columns=(),
    )


def _identity_values(object_type: str) -> list[ValueName]:
    return [
        ValueName(object_type, field.name, value, value, 0)
        for field in CRM_MAPPED_FIELDS
        if field.object_type == object_type and field.kind == "values"
        for value in field.values
    ]


def _identity_flags(object_type: str) -> list[ValueName]:
    return [ValueName(object_type, "flag", value, value, 0) for value in FLAG_VALUES]


def _read(path: Path) -> CrmMapping:
    root = compose_yaml(path)
    reader = YamlReader(path)
    default = _identity()
    if root is None or is_null(root):
        return CrmMapping(str(path), default.properties, default.values, ())
    properties = {p.field: p for p in default.properties}
    values: dict[tuple[str, str], list[ValueName]] = {}
    for value in default.values:
        values.setdefault((value.object_type, value.field), []).append(value)
    columns: list[CustomColumn] = []
    for object_type, key, section in reader.mapping(root, "the file"):
        if object_type not in CUSTOM_PROPERTY_OBJECTS:
            raise reader.error(
                key,
                f"unknown CRM object '{object_type}' (expected one of "
                f"{', '.join(CUSTOM_PROPERTY_OBJECTS)})",
            )
        for part, part_key, node in reader.mapping(section, object_type):
            where = f"{object_type}.{part}"
            if part == "properties":
                properties |= _properties(reader, object_type, node)
            elif part == "values":
                values |= _values(reader, object_type, node)
            elif part == "columns":
                columns += _columns(reader, object_type, node)
            else:
                raise reader.error(
                    part_key, f"unknown entry {where} (expected properties, values or columns)"
                )
    mapping = CrmMapping(
        source=str(path),
        properties=tuple(properties.values()),
        values=tuple(value for group in values.values() for value in group),
        columns=tuple(columns),
    )
    _check_each_property_maps_one_field(reader, mapping)
    return mapping


def _mapped_fields(object_type: str) -> dict[str, CrmField]:
    return {f.name: f for f in CRM_MAPPED_FIELDS if f.object_type == object_type}


def _properties(
    reader: YamlReader, object_type: str, node: yaml.Node
) -> dict[CrmField, PropertyName]:
    fields = _mapped_fields(object_type)
    mapped: dict[CrmField, PropertyName] = {}
    for name, key, value in reader.mapping(node, f"{object_type}.properties"):
        where = f"{object_type}.properties.{name}"
        if name not in fields:
            raise reader.error(key, _unknown(where, "field", fields))
        if is_null(value):
            mapped[fields[name]] = PropertyName(fields[name], None, line_of(key))
            continue
        account_property = reader.text(value, where)
        if not _PROPERTY_NAME.match(account_property):
            raise reader.error(
                value,
                f"{where}: '{account_property}' is not a HubSpot property name "
                "(letters, digits and underscores)",
            )
        mapped[fields[name]] = PropertyName(fields[name], account_property, line_of(value))
    return mapped


def _values(
    reader: YamlReader, object_type: str, node: yaml.Node
) -> dict[tuple[str, str], list[ValueName]]:
    """Each field's account values, replacing the identity for the fields named."""
    fields = {
        name: field for name, field in _mapped_fields(object_type).items() if field.kind == "values"
    }
    contract_values = {name: field.values for name, field in fields.items()}
    contract_values["flag"] = FLAG_VALUES
    mapped: dict[tuple[str, str], list[ValueName]] = {}
    for name, key, field_node in reader.mapping(node, f"{object_type}.values"):
        where = f"{object_type}.values.{name}"
        if name not in contract_values:
            raise reader.error(key, _unknown(where, "field with values", contract_values))
        names: list[ValueName] = []
        first_line: dict[str, int] = {}
        for contract_value, value_key, accounts in reader.mapping(field_node, where):
            if contract_value not in contract_values[name]:
                raise reader.error(
                    value_key,
                    f"{where}: '{contract_value}' is not a value of the contract "
                    f"(expected one of {', '.join(contract_values[name])})",
                )
            for account_value, account_node in reader.texts(accounts, f"{where}.{contract_value}"):
                if account_value in first_line:
                    raise reader.error(
                        account_node,
                        f"{where}: the account value '{account_value}' is mapped twice "
                        f"(first on line {first_line[account_value]})",
                    )
                first_line[account_value] = line_of(account_node)
                names.append(
                    ValueName(
                        object_type, name, account_value, contract_value, line_of(account_node)
                    )
                )
        if not names:
            raise reader.error(field_node, f"{where} must map at least one value")
        mapped[(object_type, name)] = names
    return mapped


def _columns(reader: YamlReader, object_type: str, node: yaml.Node) -> list[CustomColumn]:
    reserved = _staging_columns(object_type)
    columns: list[CustomColumn] = []
    for item in reader.sequence(node, f"{object_type}.columns"):
        entry = {name: value for name, _, value in reader.mapping(item, f"{object_type}.columns")}
        unknown = set(entry) - {"property", "type", "column"}
        if unknown or "property" not in entry or "type" not in entry:
            raise reader.error(
                item,
                f"{object_type}.columns: an entry is {{property, type}} with an optional column "
                f"name, not {{{', '.join(sorted(entry))}}}",
            )
        account_property = reader.text(entry["property"], f"{object_type}.columns property")
        if not _PROPERTY_NAME.match(account_property):
            raise reader.error(
                entry["property"], f"'{account_property}' is not a property or field name"
            )
        column_type = reader.text(entry["type"], f"{object_type}.columns type")
        if column_type not in COLUMN_TYPES:
            raise reader.error(
                entry["type"],
                f"unknown column type '{column_type}' (expected one of {', '.join(COLUMN_TYPES)})",
            )
        column_node = entry.get("column", entry["property"])
        column = reader.text(column_node, f"{object_type}.columns column").lower()
        if not _COLUMN_NAME.match(column):
            raise reader.error(column_node, f"'{column}' is not a column name (a-z, 0-9, _)")
        taken = reserved | {c.column for c in columns}
        if column in taken:
            raise reader.error(
                column_node,
                f"column '{column}' is already a staging column of {object_type}: name it with "
                "`column:`",
            )
        columns.append(
            CustomColumn(object_type, column, account_property, column_type, line_of(item))
        )
    return columns


def _check_each_property_maps_one_field(reader: YamlReader, mapping: CrmMapping) -> None:
    seen: dict[tuple[str, str], PropertyName] = {}
    for name in mapping.properties:
        if name.property is None:
            continue
        key = (name.field.object_type, name.property)
        if key in seen:
            first = seen[key]
            raise reader.error_at(
                name.line or first.line,
                f"the {key[0]} property '{name.property}' is mapped to both "
                f"{first.field.name} and {name.field.name}",
            )
        seen[key] = name


def _unknown(where: str, what: str, known: dict[str, object]) -> str:
    expected = f"expected one of {', '.join(known)}" if known else "this object has none"
    return f"unknown {what} {where} ({expected})"


# The Salesforce staging models that read each object's typed columns (beside stg_crm__<object>).
_SALESFORCE_MODELS = {
    "contacts": ("contacts", "leads"),
    "deals": ("opportunities",),
    "companies": ("accounts",),
    "engagements": ("tasks", "events"),
}


def _documented_columns(folder: str, names: set[str]) -> set[str]:
    models_yml = DBT_PROJECT_DIR / "models" / "staging" / folder / f"_{folder}__models.yml"
    models = yaml.safe_load(models_yml.read_text(encoding="utf-8"))["models"]
    return {c["name"] for m in models if m["name"] in names for c in m.get("columns", [])}


@cache
def _staging_columns(object_type: str) -> frozenset[str]:
    """The columns the object's staging models already have (their documented columns): a
    typed column takes none of them, whichever CRM the company runs."""
    salesforce = {f"stg_salesforce__{name}" for name in _SALESFORCE_MODELS[object_type]}
    return frozenset(
        _documented_columns("crm", {f"stg_crm__{object_type}"})
        | _documented_columns("salesforce", salesforce)
    )
