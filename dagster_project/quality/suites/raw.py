"""Suites for the raw tables: the schema staging reads, and the values definitions lean on.

Row validity (required ids, unique keys, enumerations, currencies, non-negative amounts,
parseable values, parents) is extraction's: its row rules (extraction/rules.py) quarantine every
row that breaks them, so nothing here checks those again. What these suites add is what the
metric definitions need of raw values and the landing contract does not state: survey scores
lie on their scale, a "Feature Used" event names its feature, a ticket is solved after it was
opened. (CRM flags such as BANT are read through the CRM mapping's yes/no values: a value it does
not map is quarantined at extraction, so no suite checks them again.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagster_project.extraction.loader import LINEAGE_COLUMNS
from dagster_project.metric_config import crm_source
from dagster_project.quality.engine import landing_scope
from dagster_project.quality.engine.suite import (
    Frame,
    Rule,
    Suite,
    Where,
    between,
    not_null,
    ordered,
)
from dagster_project.source_catalog import SourceTable, source_tables
from dagster_project.sql_text import sql_identifier

# HubSpot objects carry every property in one JSON object; staging reads it with ->>.
JSON_COLUMNS = {"crm": ("properties",)}


def raw_suites(config: Mapping[str, Any]) -> list[Suite]:
    """One suite per source table; `config` as for the mart suites (no raw rule reads it yet)."""
    return [_raw_suite(table) for table in source_tables(crm_source())]


def _raw_suite(table: SourceTable) -> Suite:
    return Suite(
        name=f"raw_{table.raw_table}",
        asset_key=("raw", table.raw_table),
        description=f"raw.{table.raw_table}: the schema staging reads, values definitions need.",
        frames=tuple(frame for frame in (_schema_frame(table), _definition_frame(table)) if frame),
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


def _definition_frame(table: SourceTable) -> Frame | None:
    """The definition rules of one raw table, with the lineage that names offending rows."""
    columns, rules = _definition_rules(table.raw_table)
    if not rules:
        return None
    columns = {column: sql_identifier(column) for column in table.key} | columns
    lineage = ("_source_file", "_source_line")
    if table.kind == "event":
        # Event tables grow by landing date: a run validates the dates it loaded.
        lineage += (landing_scope.DATE_COLUMN, landing_scope.LOADED_COLUMN)
    columns |= {column: column for column in lineage}
    select = ",\n    ".join(f"{expr} as {sql_identifier(alias)}" for alias, expr in columns.items())
    return Frame(
        sql=f"select\n    {select}\nfrom raw.{table.raw_table}",
        key=(*table.key, "_source_file", "_source_line"),
        rules=tuple(rules),
        landing_dates=table.kind == "event",
    )


def _definition_rules(raw_table: str) -> tuple[dict[str, str], list[Rule]]:
    """Raw values the metric definitions depend on, beyond the landing contract.

    Returns the frame columns (alias -> SQL) the rules read, and the rules.
    """
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
