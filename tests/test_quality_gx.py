"""great-expectations on real DuckDB files: rules fail for the right reason and pass when met."""

from __future__ import annotations

import socket
from pathlib import Path

import duckdb
import pytest

from dagster_project.metric_config import metric_vars
from dagster_project.quality.checks import all_suites
from dagster_project.quality.engine.gx_runner import RuleOutcome, run_suite
from dagster_project.quality.engine.suite import (
    Frame,
    Rule,
    Suite,
    between,
    in_set,
    not_null,
    unique,
)
from dagster_project.quality.suites.raw import raw_suites
from dagster_project.source_catalog import DEAL_STAGES

LINEAGE = (
    "'crm/deals/part-0000.jsonl' as _source_file, now()::timestamp as _loaded_at, "
    "date '2026-09-30' as _landing_date"
)


def _deals_warehouse(path: Path, deals: list[tuple[str | None, str, str, str]]) -> Path:
    """raw.crm_deals (id, amount, currency, stage) and raw.billing_fx_rates knowing USD only."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema raw")
        con.execute(
            "create table raw.billing_fx_rates as select '2026-01-02' as date, 'USD' as currency, "
            f"'0.9' as rate_to_eur, 1::bigint as _source_line, {LINEAGE}"
        )
        con.execute(
            "create table raw.crm_deals (id varchar, properties json, createdAt varchar, "
            "updatedAt varchar, archived varchar, associations json, propertiesWithHistory json, "
            "_source_file varchar, _source_line bigint, _loaded_at timestamp, _landing_date date)"
        )
        for line, (deal_id, amount, currency, stage) in enumerate(deals, start=1):
            properties = (
                f'{{"amount": "{amount}", "deal_currency_code": "{currency}", '
                f'"dealstage": "{stage}"}}'
            )
            con.execute(
                "insert into raw.crm_deals values (?, ?, '2026-01-01T00:00:00Z', "
                "'2026-01-01T00:00:00Z', 'false', '{}', '{}', 'crm/deals/part-0000.jsonl', ?, "
                "timestamp '2026-09-30 06:00', date '2026-09-30')",
                [deal_id, properties, line],
            )
    return path


def _deals_suite() -> Suite:
    return next(suite for suite in raw_suites(metric_vars()) if suite.name == "raw_crm_deals")


def _value_rules_suite() -> Suite:
    """Value rules of every kind the engine runs, over raw deals: nulls, duplicates, a bound,
    a set, a null-means-valid column. (Row validity itself is extraction's: these rules test
    the engine, not the product's raw suite.)"""
    without_rate = (
        "case when upper(properties->>'deal_currency_code') = 'EUR' or "
        "upper(properties->>'deal_currency_code') in (select upper(currency) "
        "from raw.billing_fx_rates) then null else upper(properties->>'deal_currency_code') end"
    )
    frame = Frame(
        sql=f"""
        select
            id,
            try_cast(properties->>'amount' as double) as amount_number,
            {without_rate} as deal_currency_code_without_rate,
            properties->>'dealstage' as dealstage,
            _source_file,
            _source_line
        from raw.crm_deals
        """,
        key=("id", "_source_file", "_source_line"),
        rules=(
            not_null("id_not_null", "id", "Every row has its id."),
            unique("id_unique", ("id",), "No two rows share an id."),
            between("amount_not_negative", "amount_number", "Never negative.", min_value=0),
            Rule(
                "deal_currency_code_has_fx_rate",
                "The currency is the reporting one or has FX rates.",
                "ExpectColumnValuesToBeNull",
                {"column": "deal_currency_code_without_rate"},
            ),
            in_set("dealstage_in_contract", "dealstage", DEAL_STAGES, "A known stage."),
        ),
    )
    return Suite("deal_values", ("raw", "crm_deals"), "Value rules over raw deals.", (frame,))


def _run(database: Path, suite: Suite) -> dict[str, RuleOutcome]:
    with duckdb.connect(str(database)) as con:
        return {outcome.rule: outcome for outcome in run_suite(con, suite)}


def test_clean_raw_deals_pass_every_rule(tmp_path) -> None:
    database = _deals_warehouse(
        tmp_path / "wh.duckdb",
        [("1", "1200.50", "EUR", "demo"), ("2", "80", "usd", "closedwon")],
    )

    outcomes = _run(database, _value_rules_suite())

    assert {name: outcome.success for name, outcome in outcomes.items()} == {
        name: True for name in outcomes
    }
    assert outcomes["id_unique"].rows_checked == 2
    assert outcomes["dealstage_in_contract"].failing_rows == 0


def test_each_broken_value_fails_its_own_rule_naming_the_row(tmp_path) -> None:
    database = _deals_warehouse(
        tmp_path / "wh.duckdb",
        [
            ("1", "1200.50", "EUR", "demo"),
            ("2", "-5", "EUR", "demo"),  # negative amount, line 2
            ("3", "10", "JPY", "demo"),  # no FX rate for JPY, line 3
            ("4", "10", "EUR", "won"),  # not a contract stage, line 4
            ("4", "10", "EUR", "demo"),  # duplicate id, line 5
            (None, "10", "EUR", "demo"),  # missing id, line 6
        ],
    )

    outcomes = _run(database, _value_rules_suite())

    failed = {name for name, outcome in outcomes.items() if not outcome.success}
    assert failed == {
        "id_not_null",
        "id_unique",
        "amount_not_negative",
        "deal_currency_code_has_fx_rate",
        "dealstage_in_contract",
    }
    negative = outcomes["amount_not_negative"]
    assert (negative.rows_checked, negative.failing_rows) == (6, 1)
    assert negative.observed == {"unexpected_values": [{"value": -5.0, "count": 1}]}
    assert negative.sample_keys == [
        {"id": "2", "_source_file": "crm/deals/part-0000.jsonl", "_source_line": 2}
    ]
    assert outcomes["deal_currency_code_has_fx_rate"].observed == {
        "unexpected_values": [{"value": "JPY", "count": 1}]
    }
    assert outcomes["dealstage_in_contract"].sample_keys[0]["_source_line"] == 4
    duplicate = outcomes["id_unique"]
    assert duplicate.failing_rows == 2
    assert sorted(key["_source_line"] for key in duplicate.sample_keys) == [4, 5]
    assert outcomes["id_not_null"].sample_keys[0]["_source_line"] == 6
    assert all(outcome.error is None for outcome in outcomes.values())


def test_a_missing_column_fails_the_schema_rule_and_names_it(tmp_path) -> None:
    database = _deals_warehouse(tmp_path / "wh.duckdb", [("1", "10", "EUR", "demo")])
    with duckdb.connect(str(database)) as con:
        con.execute("alter table raw.crm_deals drop column propertiesWithHistory")

    outcomes = _run(database, _deals_suite())

    schema = outcomes["required_columns_present"]
    assert not schema.success
    assert schema.observed == {"missing": ["propertiesWithHistory"]}
    assert outcomes["column_types"].success


def test_a_frame_that_cannot_be_computed_fails_with_the_error_not_silently(tmp_path) -> None:
    database = tmp_path / "wh.duckdb"
    duckdb.connect(str(database)).close()
    suite = Suite(
        "missing",
        ("marts", "nowhere"),
        "A mart that was never built.",
        (
            Frame(
                "select score from marts.nowhere",
                ("score",),
                (between("score_positive", "score", "positive", min_value=0),),
            ),
        ),
    )

    (outcome,) = _run(database, suite).values()

    assert not outcome.success
    assert outcome.error.startswith("frame query failed: Catalog Error")
    assert "nowhere" in outcome.error


def test_validation_makes_no_network_call(tmp_path, monkeypatch) -> None:
    database = _deals_warehouse(tmp_path / "wh.duckdb", [("1", "10", "EUR", "demo")])
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError("network disabled in tests")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)

    outcomes = _run(database, _deals_suite())

    assert attempts == []
    assert all(outcome.success for outcome in outcomes.values())


def test_rule_names_are_unique_within_each_suite() -> None:
    for suite in all_suites(metric_vars()):
        names = [rule.name for rule in suite.rules]
        assert len(names) == len(set(names)), suite.name


@pytest.mark.parametrize(
    ("survey", "score", "passes"),
    [("nps", "10", True), ("nps", "11", False), ("onboarding_csat", "0", False)],
)
def test_survey_scores_are_checked_on_their_own_scale(tmp_path, survey, score, passes) -> None:
    database = tmp_path / "wh.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("create schema raw")
        con.execute(
            "create table raw.success_survey_responses as select 'r1' as id, ? as survey, "
            "'c1' as company_id, 'p1' as contact_id, ? as score, "
            "'2026-01-01T00:00:00Z' as responded_at, 1::bigint as _source_line, "
            f"{LINEAGE}",
            [survey, score],
        )
    suite = next(s for s in raw_suites(metric_vars()) if s.name == "raw_success_survey_responses")

    outcomes = _run(database, suite)

    rule = f"{survey}_score_on_scale"
    assert outcomes[rule].success is passes
    assert outcomes[rule].failing_rows == (0 if passes else 1)
