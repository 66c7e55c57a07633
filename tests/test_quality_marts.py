"""Mart suites on hand-made marts in real DuckDB files: each broken definition fails its rule."""

from __future__ import annotations

from pathlib import Path

import duckdb

from dagster_project.metric_config import metric_vars
from dagster_project.quality.engine.gx_runner import RuleOutcome, run_suite
from dagster_project.quality.engine.suite import Suite
from dagster_project.quality.suites.funnel import (
    fct_lead_lifecycle_history_suite,
    fct_leads_suite,
)
from dagster_project.quality.suites.health import fct_account_health_suite
from dagster_project.quality.suites.revenue import metrics_revenue_monthly_suite
from dagster_project.quality.suites.sales import (
    deal_qualification_alerts_suite,
    fct_opportunities_suite,
)
from dagster_project.quality.suites.scorecards import metrics_rep_scorecards_suite
from dagster_project.quality.suites.sla import metrics_sla_monthly_suite


def _warehouse(path: Path, *statements: str) -> Path:
    with duckdb.connect(str(path)) as con:
        for schema in ("marts", "staging"):
            con.execute(f"create schema if not exists {schema}")
        for statement in statements:
            con.execute(statement)
    return path


def _failures(database: Path, suite: Suite) -> dict[str, RuleOutcome]:
    with duckdb.connect(str(database)) as con:
        outcomes = run_suite(con, suite)
    assert all(outcome.error is None for outcome in outcomes), [o.error for o in outcomes]
    return {outcome.rule: outcome for outcome in outcomes if not outcome.success}


def test_stage_order_names_the_stage_that_came_too_early(tmp_path) -> None:
    database = _warehouse(
        tmp_path / "wh.duckdb",
        """
        create table marts.fct_leads as select * from (values
            ('L1', timestamp '2026-01-01', timestamp '2026-01-03', timestamp '2026-01-05', null),
            ('L2', timestamp '2026-01-01', timestamp '2026-01-09', timestamp '2026-01-05', null),
            ('L3', timestamp '2026-01-01', null, null, timestamp '2025-12-30')
        ) as leads(lead_id, created_at, mql_at, sql_at, customer_at)
        """,
        """
        create table marts.fct_leads_full as select
            lead_id, created_at, mql_at, sql_at, null::timestamp as opportunity_at, customer_at,
            60 as score_at_mql, true as intent_signal_at_mql,
            mql_at - interval 1 day as mql_intent_signal_at, true as is_bant_complete,
            90 as bmanter_score, 60 as lead_score
        from marts.fct_leads
        """,
        "drop table marts.fct_leads",
        "alter table marts.fct_leads_full rename to fct_leads",
    )

    failures = _failures(database, fct_leads_suite(metric_vars()))

    assert set(failures) == {"lifecycle_timestamps_ordered"}
    order = failures["lifecycle_timestamps_ordered"]
    assert order.failing_rows == 2
    assert sorted(key["lead_id"] for key in order.sample_keys) == ["L2", "L3"]
    assert sorted(item["value"] for item in order.observed["unexpected_values"]) == [
        "customer_at before created_at",
        "sql_at before mql_at",
    ]


def test_a_pql_is_recounted_from_product_events(tmp_path) -> None:
    events = [
        ("e1", "w1", "reports", "2026-01-01"),
        ("e2", "w1", "alerts", "2026-01-02"),
        ("e3", "w1", "api", "2026-01-03"),  # w1's third core feature: a real PQL
        ("e4", "w2", "reports", "2026-01-01"),
        ("e5", "w2", "reports", "2026-01-02"),  # the same feature twice
        ("e6", "w2", "not_a_core_feature", "2026-01-03"),
        ("e7", "w2", "alerts", "2026-01-04"),
    ]
    values = ", ".join(
        f"('{e}', '{w}', 'Feature Used', '{f}', timestamp '{d}')" for e, w, f, d in events
    )
    database = _warehouse(
        tmp_path / "wh.duckdb",
        f"create table staging.stg_product__tracks as select * from (values {values}) "
        "as tracks(event_id, workspace_id, event_name, feature_name, occurred_at)",
        """
        create table marts.fct_lead_lifecycle_history as select * from (values
            ('A:pql', 'A', 'pql', timestamp '2026-01-03', 'e3'),
            ('B:pql', 'B', 'pql', timestamp '2026-01-04', 'e7'),
            ('B:mql', 'B', 'mql', timestamp '2026-01-04', 'x')
        ) as history(lead_stage_entry_id, lead_id, lifecycle_stage, entered_at, evidence_id)
        """,
    )

    failures = _failures(database, fct_lead_lifecycle_history_suite(metric_vars()))

    assert set(failures) == {"pql_used_enough_core_features"}
    pql = failures["pql_used_enough_core_features"]
    assert (pql.rows_checked, pql.failing_rows) == (2, 1)
    assert pql.sample_keys == [{"lead_stage_entry_id": "B:pql"}]
    assert pql.observed == {"unexpected_values": [{"value": 2, "count": 1}]}


def test_a_closed_deal_with_a_contradictory_outcome_fails(tmp_path) -> None:
    database = _warehouse(
        tmp_path / "wh.duckdb",
        """
        create table marts.fct_opportunities as select * from (values
            ('D1', 'closedwon', true, true),
            ('D2', 'closedlost', true, false),
            ('D3', 'demo', false, false),
            ('D4', 'closedlost', true, true)
        ) as deals(deal_id, current_stage, is_closed, is_won)
        """,
        """
        create table marts.fct_opportunities_full as select *, 0.5 as forecast_probability,
            100.0 as amount_eur, 4 as meddic_score, 5 as meddpicc_score, 30 as sales_cycle_days
        from marts.fct_opportunities
        """,
        "drop table marts.fct_opportunities",
        "alter table marts.fct_opportunities_full rename to fct_opportunities",
    )

    failures = _failures(database, fct_opportunities_suite(metric_vars()))

    assert set(failures) == {"closed_deal_has_exactly_one_outcome"}
    outcome = failures["closed_deal_has_exactly_one_outcome"]
    assert outcome.sample_keys == [{"deal_id": "D4"}]
    assert outcome.observed == {
        "unexpected_values": [
            {"value": "contradictory: stage closedlost, closed true, won true", "count": 1}
        ]
    }


def test_an_unbalanced_bridge_and_grr_above_nrr_fail_with_the_discrepancy(tmp_path) -> None:
    # month: start, new, expansion, reactivation, contraction, churned, end, nrr, grr
    database = _warehouse(
        tmp_path / "wh.duckdb",
        """
        create table marts.metrics_revenue_monthly as select * from (values
            (date '2026-01-01', 1000.00, 100.00, 50.00, 0.00, 20.00, 30.00, 1100.00, 1.02, 0.95),
            (date '2026-02-01', 1100.00, 0.00, 10.00, 0.00, 0.00, 0.00, 1110.01, 1.00, 0.97),
            (date '2026-03-01', 1110.01, 0.00, 0.00, 0.00, 0.00, 0.00, 1110.01, 0.96, 0.98)
        ) as bridge(month_start, mrr_start_eur, new_mrr_eur, expansion_mrr_eur,
            reactivation_mrr_eur, contraction_mrr_eur, churned_mrr_eur, mrr_end_eur, nrr, grr)
        """,
        """
        create table marts.metrics_revenue_monthly_full as select *, 0.01 as logo_churn_rate,
            0.02 as trailing_logo_churn_rate, 0.0 as early_churn_rate
        from marts.metrics_revenue_monthly
        """,
        "drop table marts.metrics_revenue_monthly",
        "alter table marts.metrics_revenue_monthly_full rename to metrics_revenue_monthly",
    )

    failures = _failures(database, metrics_revenue_monthly_suite(metric_vars()))

    # January balances (1000 + 100 + 50 - 20 - 30 = 1100); February is a cent over.
    assert set(failures) == {"mrr_bridge_reconciles", "grr_not_above_nrr"}
    bridge = failures["mrr_bridge_reconciles"]
    assert [key["month_start"] for key in bridge.sample_keys] == ["2026-02-01T00:00:00"]
    [residual] = bridge.observed["unexpected_values"]
    assert round(residual["value"], 6) == 0.01
    grr = failures["grr_not_above_nrr"]
    assert [key["month_start"] for key in grr.sample_keys] == ["2026-03-01T00:00:00"]


def test_a_band_that_disagrees_with_the_cutoffs_fails(tmp_path) -> None:
    # Each signal at the score itself, so the weighted sum equals the score when weights sum to 1.
    database = _warehouse(
        tmp_path / "wh.duckdb",
        """
        create table marts.fct_account_health as select account_week_id, health_score,
            health_band, health_score as seat_activity_score,
            health_score as feature_breadth_score, health_score as depth_score,
            health_score as support_friction_score, health_score as sentiment_score
        from (values ('a', 70.0, 'green'), ('b', 69.99, 'green'), ('c', 40.0, 'yellow'),
            ('d', 39.5, 'red'), ('e', 12.0, 'yellow'))
            as health(account_week_id, health_score, health_band)
        """,
    )

    failures = _failures(database, fct_account_health_suite(metric_vars()))

    assert set(failures) == {"yellow_band_between_cutoffs", "red_band_below_cutoff"}
    assert failures["yellow_band_between_cutoffs"].sample_keys == [{"account_week_id": "b"}]
    assert failures["red_band_below_cutoff"].sample_keys == [{"account_week_id": "e"}]


def test_sla_targets_and_verdicts_follow_the_configuration(tmp_path) -> None:
    # The configured targets: 40 SQLs, 4 h response, NRR 110%.
    database = _warehouse(
        tmp_path / "wh.duckdb",
        """
        create table marts.metrics_sla_monthly as select * from (values
            ('m1', 'sqls_delivered', 40.0, '>=', 41.0, true),
            ('m2', 'lead_response_hours', 4.0, '<', 5.5, true),
            ('m3', 'nrr', 1.05, '>', 1.07, true),
            ('m4', 'nrr', 1.10, '>', null, null)
        ) as sla(sla_month_id, sla, target, comparison, actual, is_met)
        """,
    )

    failures = _failures(database, metrics_sla_monthly_suite(metric_vars()))

    assert set(failures) == {"target_is_configured", "verdict_follows_target"}
    assert failures["target_is_configured"].sample_keys == [{"sla_month_id": "m3"}]
    # m2 missed its 4 h target (5.5 h) but says met; m4 cannot be measured and is not judged.
    assert failures["verdict_follows_target"].sample_keys == [{"sla_month_id": "m2"}]


def test_an_alert_the_configured_rules_do_not_justify_fails(tmp_path) -> None:
    # Gate: MEDDIC >= 4 from proposal on; kill: MEDDIC < 3 for more than 30 days;
    # single-threaded: above 100,000 EUR with fewer than 3 engaged contacts.
    database = _warehouse(
        tmp_path / "wh.duckdb",
        """
        create table marts.deal_qualification_alerts as select * from (values
            ('a1', 'd1', 'meddic_gate_violation', 3, 10, 1000.00),
            ('a2', 'd2', 'meddic_gate_violation', 4, 10, 1000.00),
            ('a3', 'd3', 'kill_candidate', 2, 31, 1000.00),
            ('a4', 'd4', 'kill_candidate', 2, 30, 1000.00),
            ('a5', 'd5', 'single_threaded', 6, 5, 150000.00),
            ('a6', 'd6', 'single_threaded', 6, 5, 150000.00),
            ('a7', 'd7', 'single_threaded', 6, 5, 100000.00)
        ) as alerts(deal_alert_id, deal_id, alert_type, meddic_score, days_open, amount_eur);
        create table marts.fct_deal_multithreading as select * from (values
            ('d5', 2), ('d6', 3), ('d7', 1)
        ) as threads(deal_id, engaged_contacts)
        """,
    )

    failures = _failures(database, deal_qualification_alerts_suite(metric_vars()))

    assert set(failures) == {
        "gate_violation_below_gate",
        "kill_candidate_open_long_enough",
        "single_threaded_deal_is_big",
        "single_threaded_deal_has_few_contacts",
    }
    assert failures["gate_violation_below_gate"].sample_keys == [{"deal_alert_id": "a2"}]
    assert failures["kill_candidate_open_long_enough"].sample_keys == [{"deal_alert_id": "a4"}]
    assert failures["single_threaded_deal_is_big"].sample_keys == [{"deal_alert_id": "a7"}]
    assert failures["single_threaded_deal_has_few_contacts"].sample_keys == [
        {"deal_alert_id": "a6"}
    ]


def test_scorecards_with_a_wrong_target_verdict_share_or_missing_result_fail(tmp_path) -> None:
    # The configured SDR results: sqls_delivered (3 a month, >=), sqls_accepted (2, >=),
    # sql_to_opportunity_rate (0.30, >=), median_response_hours (4, <).
    row = (
        "('{rep}|month|2026-03-01|{result}', '{rep}', 'SDR', 'month', date '2026-03-01', '{result}'"
    )
    rows = [
        row.format(rep="s1", result="sqls_delivered") + ", 3.0, '>=', 3.0, true)",
        row.format(rep="s1", result="sqls_accepted") + ", 2.0, '>=', 1.0, true)",
        row.format(rep="s1", result="sql_to_opportunity_rate") + ", 0.3, '>=', 1.5, true)",
        row.format(rep="s2", result="sqls_delivered") + ", 5.0, '>=', 4.0, false)",
        row.format(rep="s2", result="sqls_accepted") + ", 2.0, '>=', 2.0, true)",
        row.format(rep="s2", result="sql_to_opportunity_rate") + ", 0.3, '>=', 0.25, false)",
        row.format(rep="s2", result="median_response_hours") + ", 4.0, '<', null, null)",
    ]
    database = _warehouse(
        tmp_path / "wh.duckdb",
        f"""
        create table marts.metrics_rep_scorecards as select * from (values {", ".join(rows)})
            as scorecards(rep_scorecard_id, owner_id, role, period_grain, period_start, result,
                target, comparison, actual, is_met)
        """,
        # The company delivered 10 SQLs in March; the SDRs' scorecards say 3 + 4.
        """
        create table marts.metrics_sla_monthly as
            select date '2026-03-01' as month_start, 'sqls_delivered' as sla, 10.0 as actual
        """,
        """
        create table marts.metrics_sales_quarterly as
            select date '2026-01-01' as quarter_start, 'total' as grain,
                0.00 as won_amount_eur
        """,
    )

    failures = _failures(database, metrics_rep_scorecards_suite(metric_vars()))

    assert set(failures) == {
        "scorecard_shares_within_0_1",
        "scorecard_target_is_configured",
        "scorecard_verdict_follows_target",
        "scorecard_has_each_configured_result",
        "scorecard_team_totals_add_up",
    }
    assert failures["scorecard_shares_within_0_1"].sample_keys == [
        {"rep_scorecard_id": "s1|month|2026-03-01|sql_to_opportunity_rate"}
    ]
    assert failures["scorecard_target_is_configured"].sample_keys == [
        {"rep_scorecard_id": "s2|month|2026-03-01|sqls_delivered"}
    ]
    assert failures["scorecard_verdict_follows_target"].sample_keys == [
        {"rep_scorecard_id": "s1|month|2026-03-01|sqls_accepted"}
    ]
    # s1 lacks its response time; s2 has every configured result.
    assert failures["scorecard_has_each_configured_result"].sample_keys == [
        {"rep_period": "s1|month|2026-03-01"}
    ]
    assert failures["scorecard_team_totals_add_up"].sample_keys == [
        {"team_total": "sqls_delivered|2026-03-01"}
    ]
