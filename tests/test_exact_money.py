"""Money in the public marts is exact: amounts are DECIMAL; only quotients may be doubles.

A sum of doubles depends on the order DuckDB's threads add them in, so two builds of the same
data could publish different bytes; a quotient of two exact sums is computed once and is the
same on every run.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

# Per-unit amounts, each one division of two exact sums (see each column's description).
QUOTIENT_AMOUNTS = {
    ("metrics_revenue_monthly", "arpa_eur"),
    ("metrics_revenue_monthly", "cac_eur"),
    ("metrics_revenue_monthly", "trailing_cac_eur"),
    ("metrics_revenue_monthly", "ltv_eur"),
    ("metrics_revenue_segment_monthly", "average_basket_eur"),
    ("metrics_revenue_segment_monthly", "net_revenue_per_billed_account_eur"),
    ("metrics_sales_quarterly", "average_deal_size_eur"),
    ("metrics_sales_quarterly", "revenue_per_rep_eur"),
}


def _money_columns(warehouse: Path) -> dict[tuple[str, str], str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = 'marts' "
            "and (suffix(column_name, '_eur') or suffix(column_name, '_local') "
            "or column_name in ('amount', 'unit_amount'))"
        ).fetchall()
    return {(table, column): data_type for table, column, data_type in rows}


def test_mart_amounts_are_decimal_except_quotients(warehouse: Path) -> None:
    columns = _money_columns(warehouse)
    inexact = {key for key, data_type in columns.items() if not data_type.startswith("DECIMAL")}

    assert ("fct_mrr", "mrr_eur") in columns
    assert inexact == QUOTIENT_AMOUNTS


def test_published_mrr_is_in_cents(warehouse: Path) -> None:
    columns = _money_columns(warehouse)

    assert columns["fct_mrr", "mrr_local"] == "DECIMAL(18,2)"
    assert columns["fct_mrr", "mrr_eur"] == "DECIMAL(18,2)"
