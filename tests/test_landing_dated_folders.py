"""A `date=` folder names the landing day, never a column: a CSV export keeps its own `date`
column (FX rates delivered in one day's folder for several days), and a Parquet file gains none
(DuckDB's readers would read the folder's name as one)."""

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


def test_parquet_events_in_a_dated_folder_gain_no_column(tmp_path) -> None:
    tracks = next(t for t in SOURCE_TABLES if t.raw_table == "product_tracks")
    folder = tmp_path / "landing" / "product" / "tracks" / "date=2026-10-01"
    folder.mkdir(parents=True)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        con.execute(
            "copy (select 'm1' as message_id, 'Logged In' as event, null::varchar as user_id, "
            "null::varchar as workspace_id, null::varchar as feature_name, "
            "timestamp '2026-10-01 08:00:00' as \"timestamp\", "
            "timestamp '2026-10-01 08:00:05' as received_at) "
            f"to '{folder / 'part-0000.parquet'}' (format parquet)"
        )
        result = load_source_table(
            con, tracks, tmp_path / "landing", datetime(2026, 10, 2), None, date(2026, 10, 1)
        )
        columns = [row[0] for row in con.sql("describe raw.product_tracks").fetchall()]
        rows = con.sql("select message_id, _landing_date from raw.product_tracks").fetchall()
    assert result.accounting.rows_quarantined == 0
    assert rows == [("m1", date(2026, 10, 1))]
    assert "date" not in columns
