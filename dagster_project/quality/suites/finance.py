"""Finance mart: invoiced, credited and net revenue per account and month."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagster_project.quality.engine.suite import (
    CENT,
    Frame,
    Rule,
    Suite,
    between,
    mart_suite,
    within,
)


def finance_suites(config: Mapping[str, Any]) -> list[Suite]:
    return [fct_account_revenue_monthly_suite(config)]


def net_revenue_rules() -> tuple[Rule, ...]:
    return (
        within(
            "net_is_invoiced_minus_credited",
            "net_residual_eur",
            CENT,
            "Net revenue = invoiced - credited, to the cent.",
        ),
        between(
            "credited_not_negative",
            "credited_revenue_eur",
            "Credits are recorded as positive amounts taken off invoiced revenue.",
            min_value=0,
        ),
    )


def fct_account_revenue_monthly_suite(config: Mapping[str, Any]) -> Suite:
    return mart_suite(
        "fct_account_revenue_monthly",
        "Invoiced, credited and net revenue per account and month.",
        [
            Frame(
                sql="""
                select
                    company_id,
                    revenue_month,
                    credited_revenue_eur,
                    net_revenue_eur - (invoiced_revenue_eur - credited_revenue_eur)
                        as net_residual_eur
                from marts.fct_account_revenue_monthly
                """,
                key=("company_id", "revenue_month"),
                rules=net_revenue_rules(),
            )
        ],
    )
