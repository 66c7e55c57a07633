"""Suites for the raw tables: schema, keys, and the landing contract's values.

Enumerations, currencies, non-negative amounts and required fields come from the extraction row
rules (extraction/rules.py), the one statement of the landing contract: extraction quarantines
rows that break it, and these suites verify, independently of the SQL that split the rows, that
what reached `raw` obeys it. Rules the metric definitions lean on but the contract does not
state (BANT flags, survey score scales, feature names) are added here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from dagster_project.extraction.rules import RULES
from dagster_project.extraction.rules import Rule as RowRule
from dagster_project.quality import landing_scope
from dagster_project.quality.suites import (
    Frame,
    Rule,
    Suite,
    Where,
    between,
    in_set,
    not_null,
    ordered,
    unique,
)
from dagster_project.source_catalog import SOURCE_TABLES, SourceTable

LINEAGE_COLUMNS = {
    "_source_file": "VARCHAR",
    "_source_line": "BIGINT",
    "_loaded_at": "TIMESTAMP",
    "_landing_date": "DATE",
}
# HubSpot objects carry every property in one JSON object; staging reads it with ->>.
JSON_COLUMNS = {"crm": ("properties",)}
BOOLEAN_TEXT = ("true", "false")


def raw_suites(config: Mapping[str, Any]) -> list[Suite]:
    return [_raw_suite(table, config) for table in SOURCE_TABLES]


def _raw_suite(table: SourceTable, config: Mapping[str, Any]) -> Suite:
    return Suite(
        name=f"raw_{table.raw_table}",
        asset_key=("raw", table.raw_table),
        description=f"raw.{table.raw_table}: schema, key and landing-contract values.",
        frames=(_schema_frame(table), _rows_frame(table, config)),
    )


def _schema_frame(table: SourceTable) -> Frame:
    expected_types = {
        **{column: "VARCHAR" for column in table.key},
        **{column: "JSON" for column in JSON_COLUMNS.get(table.system, ())},
        **LINEAGE_COLUMNS,
    }
    return Frame(
        sql=(
            "select column_name, column_name || ' ' || data_type as typed_column "
            "from information_schema.columns "
            f"where table_schema = 'raw' and table_name = '{table.raw_table}'"
        ),
        key=("column_name",),
        rules=(
            Rule(
                "required_columns_present",
                "Every column the landing contract requires, and the lineage columns, exist.",
                "ExpectColumnDistinctValuesToContainSet",
                {
                    "column": "column_name",
                    "value_set": [*table.required_columns, *LINEAGE_COLUMNS],
                },
            ),
            Rule(
                "column_types",
                "Keys are text, lineage columns typed, nested objects kept as JSON.",
                "ExpectColumnDistinctValuesToContainSet",
                {
                    "column": "typed_column",
                    "value_set": [f"{name} {kind}" for name, kind in expected_types.items()],
                },
            ),
        ),
    )


def _rows_frame(table: SourceTable, config: Mapping[str, Any]) -> Frame:
    columns: dict[str, str] = {column: _quote(column) for column in table.key}
    lineage = ("_source_file", "_source_line")
    if table.kind == "event":
        # Event tables grow by landing date: a run validates the dates it loaded.
        lineage += (landing_scope.DATE_COLUMN, landing_scope.LOADED_COLUMN)
    columns |= {column: column for column in lineage}
    key_name = "_".join(table.key)
    rules: list[Rule] = [
        *(
            not_null(f"{column}_not_null", column, f"Every row has its key column {column}.")
            for column in table.key
        ),
        unique(f"{key_name}_unique", table.key, "No two rows share a key."),
    ]
    for row_rule in RULES.get(table.raw_table, ()):
        contract = _contract_rule(row_rule, config)
        if contract is not None and contract[0] not in table.key:
            alias, expr, rule = contract
            columns[alias] = expr
            rules.append(rule)
    definition_columns, definition_rules = _definition_rules(table.raw_table)
    columns |= definition_columns
    rules += definition_rules
    select = ",\n    ".join(f"{expr} as {_quote(alias)}" for alias, expr in columns.items())
    return Frame(
        sql=f"select\n    {select}\nfrom raw.{table.raw_table}",
        key=(*table.key, "_source_file", "_source_line"),
        rules=tuple(rules),
        landing_dates=table.kind == "event",
    )


def _contract_rule(row_rule: RowRule, config: Mapping[str, Any]) -> tuple[str, str, Rule] | None:
    """A landing-contract row rule as a (frame column, SQL, GX rule); None if not checked here.

    Parseability and foreign keys are quarantine's and dbt's tests' business: not repeated.
    """
    alias = _alias(row_rule.field)
    if row_rule.kind == "required":
        return (
            alias,
            row_rule.expr,
            not_null(f"{alias}_not_null", alias, f"Every row has {row_rule.field}."),
        )
    if row_rule.kind == "enum":
        return (
            alias,
            row_rule.expr,
            in_set(
                f"{alias}_in_contract",
                alias,
                row_rule.values,
                f"{row_rule.field} takes only the values the landing contract lists.",
            ),
        )
    if row_rule.kind == "non_negative":
        number = f"{alias}_number"
        return (
            number,
            f"try_cast({row_rule.expr} as double)",
            between(
                f"{alias}_not_negative", number, f"{row_rule.field} is never negative.", min_value=0
            ),
        )
    if row_rule.kind == "currency":
        # The frame column holds the currency only when it is unknown, so a failure shows it.
        unknown = f"{alias}_without_rate"
        code = f"upper({row_rule.expr})"
        reporting = str(config["reporting_currency"]).upper()
        sql = (
            f"case when {code} = '{reporting}' "
            f"or {code} in (select upper(currency) from raw.billing_fx_rates) "
            f"then null else {code} end"
        )
        return (
            unknown,
            sql,
            Rule(
                f"{alias}_has_fx_rate",
                f"{row_rule.field} is the reporting currency or one with FX rates.",
                "ExpectColumnValuesToBeNull",
                {"column": unknown},
            ),
        )
    return None


def _definition_rules(raw_table: str) -> tuple[dict[str, str], list[Rule]]:
    """Raw values the metric definitions depend on, beyond the landing contract.

    Returns the frame columns (alias -> SQL) the rules read, and the rules.
    """
    if raw_table == "crm_contacts":
        parts = ("budget", "authority", "need", "timing")
        return {f"bant_{part}": f"properties->>'bant_{part}'" for part in parts}, [
            in_set(
                f"bant_{part}_is_boolean",
                f"bant_{part}",
                BOOLEAN_TEXT,
                f"BANT {part} is 'true', 'false' or empty: an SQL needs all four 'true'.",
            )
            for part in parts
        ]
    if raw_table == "product_tracks":
        return {"event": '"event"', "feature_name": "feature_name"}, [
            not_null(
                "feature_used_names_a_feature",
                "feature_name",
                "A 'Feature Used' event names its feature (PQLs count distinct features).",
                where=(Where("event", "==", "Feature Used"),),
            )
        ]
    if raw_table == "success_survey_responses":
        return {"survey": '"survey"', "score_number": "try_cast(score as double)"}, [
            _score_scale("nps", 0, 10),
            _score_scale("onboarding_csat", 1, 5),
        ]
    if raw_table == "success_tickets":
        # Compared as naive UTC: pandas warns on zoned columns, and the order is the same.
        columns = {
            "opened_at": "try_cast(created_at as timestamptz) at time zone 'UTC'",
            "solved_ts": "try_cast(solved_at as timestamptz) at time zone 'UTC'",
        }
        return columns, [
            ordered(
                "solved_after_opened",
                "opened_at",
                "solved_ts",
                "A ticket is solved no earlier than it was opened.",
                blocking=False,
            )
        ]
    return {}, []


def _score_scale(survey: str, low: int, high: int) -> Rule:
    return between(
        f"{survey}_score_on_scale",
        "score_number",
        f"{survey} scores lie on the survey's {low}-{high} scale.",
        min_value=low,
        max_value=high,
        where=(Where("survey", "==", survey),),
    )


def _alias(field: str) -> str:
    return re.sub(r"[^0-9a-zA-Z]+", "_", field).strip("_").lower()


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
