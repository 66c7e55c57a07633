"""A CSV export in a `date=` folder keeps its own `date` column: the folder names the landing
day, not the rows' dates (FX rates delivered in one day's folder for several days)."""

from __future__ import annotations

from datetime import date, datetime

import duckdb

from dagster_project.extraction.loader import load_source_table
from dagster_project.source_catalog import SOURCE_TABLES


def test_fx_rates_in_a_dated_folder_keep_their_own_dates(tmp_path) -> None:
    fx_rates = next(t for t in SOURCE_TABLES if t.raw_table == "billing_fx_rates")
    folder = tmp_path / "landing" / "billing" / "fx_rates" / "date=2026-10-01"
    folder.mkdir(parents=True)
    (folder / "part-0000.csv").write_text(
        "date,currency,rate_to_eur\n2026-09-29,USD,0.91\n2026-09-30,USD,0.92\n", encoding="utf-8"
    )
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        result = load_source_table(
            con, fx_rates, tmp_path / "landing", datetime(2026, 10, 2), None, date(2026, 10, 1)
        )
        rows = con.sql("select date, rate_to_eur from raw.billing_fx_rates order by 1").fetchall()
    assert result.accounting.rows_quarantined == 0
    assert rows == [("2026-09-29", "0.91"), ("2026-09-30", "0.92")]
