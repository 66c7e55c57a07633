"""A Salesforce org's daily increment (`revops-generate --crm salesforce --days`) loads.

A small org (30 accounts, four months) gets its first day, 1 October: three new leads (each with
its field history's `created` row), a correction on an older lead (its title), and one
opportunity moved to Value Proposition (its OpportunityHistory row). The initial export is
loaded first, then the day: only the day's files load, and raw holds the records' latest
versions. Only the org's objects (and the FX rates their currencies are checked against) are
loaded: the other systems' increments load as for a HubSpot company.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb

from dagster_project.extraction.crm_config import write_crm_config
from dagster_project.extraction.crm_mapping import load_crm_mapping
from dagster_project.extraction.crm_reps import load_reps
from dagster_project.extraction.loader import load_source_table
from generator import generate
from generator.daily import generate_org_day
from tests.dbt_runs import tables_in_load_order, warehouse_file

HISTORY = {"size": 30, "seed": 3, "start": date(2026, 6, 1), "end": date(2026, 9, 30)}
DAY = date(2026, 10, 1)
# The day's records (read from its files), by object.
DAY_RECORDS = {
    "salesforce_lead": 4,
    "salesforce_lead_history": 3,
    "salesforce_opportunity": 1,
    "salesforce_opportunity_history": 1,
}
MOVED = "006000030000000002"
CORRECTED = "00Q000020000000273"


def _load_org(database: Path, landing: Path, loaded_at: datetime) -> None:
    with duckdb.connect(str(database)) as con:
        write_crm_config(con, load_crm_mapping(landing), load_reps(landing))
        for table in tables_in_load_order("salesforce"):
            if table.system == "salesforce" or table.raw_table == "billing_fx_rates":
                load_source_table(con, table, landing, loaded_at, crm="salesforce")


def test_an_orgs_daily_increment_loads_after_its_export(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    initial = generate(landing, **HISTORY, crm="salesforce")
    database = warehouse_file(tmp_path, "org")
    _load_org(database, landing, datetime(2026, 9, 30, 6, 0))
    rows = generate_org_day(landing, DAY, HISTORY["seed"], history_end=HISTORY["end"])
    assert {k: v for k, v in rows.items() if k.startswith("salesforce_")} == DAY_RECORDS
    _load_org(database, landing, datetime(2026, 10, 1, 6, 0))

    with duckdb.connect(str(database), read_only=True) as con:
        loaded = dict(
            con.execute(
                "select source_table, sum(rows_loaded)::bigint from meta.loaded_files "
                f"where landing_date = '{DAY}' and source_table like 'salesforce%' group by 1"
            ).fetchall()
        )
        export_days = con.execute(
            "select distinct landing_date from meta.loaded_files "
            "where source_file not like '%date=%'"
        ).fetchall()
        rejected = con.execute("select count(*) from quarantine.rejected_rows").fetchone()[0]
        counts = {
            table: con.execute(f"select count(*) from raw.{table}").fetchone()[0]
            for table in DAY_RECORDS
        }
        stage = con.execute(
            f"""select "StageName" from raw.salesforce_opportunity where "Id" = '{MOVED}'"""
        ).fetchone()
        title = con.execute(
            f"""select "Title" from raw.salesforce_lead where "Id" = '{CORRECTED}'"""
        ).fetchone()
    assert loaded == DAY_RECORDS
    # The export counts as landed the day before the org's first increment.
    assert export_days == [(date(2026, 9, 30),)]
    assert rejected == 0
    # New leads and history rows add records; the corrected lead and the moved opportunity are
    # new versions of records already there.
    assert counts == {
        "salesforce_lead": initial["salesforce_lead"] + 3,
        "salesforce_lead_history": initial["salesforce_lead_history"] + 3,
        "salesforce_opportunity": initial["salesforce_opportunity"],
        "salesforce_opportunity_history": initial["salesforce_opportunity_history"] + 1,
    }
    assert stage == ("Value Proposition",)
    assert title == ("Customer Success Lead",)
