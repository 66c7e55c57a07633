"""The same company run on Salesforce publishes the same marts as on HubSpot.

The session's company (tests/conftest.py) is generated again as a Salesforce org
(`revops-generate --crm salesforce`: the same people, deals, amounts and times), extracted into
raw with the Salesforce catalogue and built by dbt with `crm_source: salesforce`: every dbt test
and the Salesforce unit tests pass, every mart quality rule reaches the HubSpot run's verdict,
and every public mart equals the session's HubSpot build row for row, once the org's ids are
read back as the HubSpot numbers they were generated from. Only the keys below differ, by
nature: they are made of the source ids (and the load time, a fact of the run).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb

from dagster_project.metric_config import default_as_of_date, metric_vars
from dagster_project.paths import DBT_PROJECT_DIR
from dagster_project.quality.engine.gx_runner import run_suite
from dagster_project.quality.engine.report import report_dir
from dagster_project.quality.suites import mart_suites
from generator import generate
from tests.conftest import SAMPLE_SEED, SAMPLE_SIZE
from tests.dbt_runs import dbt_command, load_raw, warehouse_file

SALESFORCE_VARS = "{crm_source: salesforce}"
# Surrogate keys hashed from CRM record ids (docs/sources.md lists them): equal in meaning,
# different in value.
SOURCE_ID_HASHES = {
    "deal_qualification_alerts": {"deal_alert_id"},
    "fct_account_health": {"account_week_id"},
    "fct_lead_lifecycle_history": {"lead_stage_entry_id"},
    "fct_pipeline_snapshots": {"pipeline_snapshot_id"},
    "metrics_rep_scorecards": {"rep_scorecard_id"},
    "metrics_sales_quarterly": {"sales_quarter_grain_id"},
}
# When raw was loaded: a fact of the run, not of the CRM.
RUN_COLUMNS = {"_source_loaded_at"}
# A Salesforce id of the generated org: the object's key prefix, then the HubSpot number.
HUBSPOT_NUMBER = (
    "create macro hubspot_id(value) as case "
    "when regexp_full_match(value, '0[0-9A-Z]{2}[0-9]{15}') "
    "then cast(substr(value, 4) as bigint)::varchar else value end"
)


def _differences(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, int]:
    """Rows of each column (ids read back) found in one build and not the other."""
    columns = con.execute(
        "select column_name, data_type from duckdb_columns() where database_name = 'hubspot' "
        f"and schema_name = 'marts' and table_name = '{table}' order by column_index"
    ).fetchall()
    differing = {}
    for column, data_type in columns:
        if column in SOURCE_ID_HASHES.get(table, set()) | RUN_COLUMNS:
            continue
        read_back = f'hubspot_id("{column}")' if data_type == "VARCHAR" else f'"{column}"'
        hubspot = f'select "{column}" from hubspot.marts.{table}'
        salesforce = f"select {read_back} from salesforce.marts.{table}"
        count = con.execute(
            f"select count(*) from (({hubspot} except all {salesforce}) "
            f"union all ({salesforce} except all {hubspot}))"
        ).fetchone()[0]
        if count:
            differing[column] = count
    return differing


# Custom fields the org's mapping asks for as typed staging columns (`columns:`), under the
# object's block; the Salesforce unit tests read them (stg_salesforce__opportunities).
TYPED_COLUMNS = {
    "contacts": ["{property: BANT_Qualified_At__c, type: timestamp, column: qualified_at}"],
    "deals": [
        "{property: Loss_Reason__c, type: text, column: loss_reason}",
        "{property: MEDDIC_Champion__c, type: boolean, column: has_champion}",
    ],
}


def _ask_for_typed_columns(landing: Path) -> None:
    mapping = landing / "crm" / "mapping.yml"
    lines = mapping.read_text(encoding="utf-8").splitlines()
    blocks = {
        line.rstrip(":"): i for i, line in enumerate(lines) if not line.startswith((" ", "#"))
    }
    for object_type in sorted(TYPED_COLUMNS, key=blocks.get, reverse=True):
        after = min([i for i in blocks.values() if i > blocks[object_type]] or [len(lines)])
        lines[after:after] = ["  columns:", *(f"    - {c}" for c in TYPED_COLUMNS[object_type])]
    mapping.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_salesforce_company_publishes_the_hubspot_marts(
    warehouse: Path, build_warehouse: Path, tmp_path: Path
) -> None:
    landing = tmp_path / "landing"
    rows = generate(landing, size=SAMPLE_SIZE, seed=SAMPLE_SEED, crm="salesforce")
    _ask_for_typed_columns(landing)
    database = warehouse_file(tmp_path, "salesforce")
    load_raw(database, landing, datetime(2026, 9, 30, 6, 0), crm="salesforce")
    with duckdb.connect(str(database), read_only=True) as con:
        rejected = con.execute("select count(*) from quarantine.rejected_rows").fetchone()[0]
        loaded = dict(
            con.execute(
                "select source_table, sum(rows_loaded)::bigint from meta.loaded_files group by 1"
            ).fetchall()
        )
    assert rejected == 0
    assert loaded == rows

    # Its own target folder: the Salesforce project parses once, beside the runs' one.
    target = DBT_PROJECT_DIR / "target" / "salesforce"
    as_of = default_as_of_date()
    build = dbt_command(
        database, as_of, "build", "--exclude-resource-type", "unit_test", "--vars",
        SALESFORCE_VARS, target=target,
    )  # fmt: skip
    assert build.returncode == 0, build.stdout[-4000:]
    unit = dbt_command(
        database, as_of, "test", "--select", "test_type:unit,unit_test:*salesforce*", "--vars",
        SALESFORCE_VARS, target=target,
    )  # fmt: skip
    assert unit.returncode == 0, unit.stdout[-4000:]
    results = json.loads((target / "run_results.json").read_text())["results"]
    assert len([r for r in results if r["status"] == "pass"]) == 5
    # The typed columns read the same fields as the mapped ones, on every record of the org.
    with duckdb.connect(str(database), read_only=True) as con:
        typed = con.execute(
            """select count(*), count(qualified_at),
                count(*) filter (where qualified_at is not distinct from bant_qualified_at)
            from (select qualified_at, bant_qualified_at from staging.stg_salesforce__contacts
                union all
                select qualified_at, bant_qualified_at from staging.stg_salesforce__leads)"""
        ).fetchone()
        deals = con.execute(
            """select count(*), count(has_champion),
                count(*) filter (where has_champion is not distinct from meddic_champion
                    and loss_reason is not distinct from closed_lost_reason)
            from staging.stg_salesforce__opportunities"""
        ).fetchone()
    assert typed[0] == typed[2] and 0 < typed[1] < typed[0], typed
    assert deals[0] == deals[1] == deals[2] > 0, deals

    with duckdb.connect() as con:
        con.execute(f"attach '{warehouse}' as hubspot (read_only)")
        con.execute(f"attach '{database}' as salesforce (read_only)")
        con.execute(HUBSPOT_NUMBER)
        marts = [
            name
            for (name,) in con.execute(
                "select table_name from duckdb_tables() where database_name = 'hubspot' "
                "and schema_name = 'marts' order by 1"
            ).fetchall()
        ]
        counts = {
            table: [
                con.execute(f"select count(*) from {side}.marts.{table}").fetchone()[0]
                for side in ("hubspot", "salesforce")
            ]
            for table in marts
        }
        differing = {table: _differences(con, table) for table in marts}
    assert len(marts) >= 15
    # Not a comparison of empty tables: every mart holds rows, as many on either CRM.
    assert {table: n for table, n in counts.items() if n[0] != n[1] or not n[0]} == {}
    assert {table: cols for table, cols in differing.items() if cols} == {}

    # The same quality checks reach the same verdicts: every mart rule passes or fails with the
    # failing-row count the session's HubSpot run recorded.
    results = report_dir(str(build_warehouse)) / "results"
    suites = mart_suites(metric_vars())
    with duckdb.connect(str(database), read_only=True) as con:
        verdicts = {suite.name: run_suite(con, suite) for suite in suites}
    assert len(verdicts) >= 15
    for suite, found in verdicts.items():
        recorded = json.loads((results / f"{suite}.json").read_text())["outcomes"]
        on_hubspot = {o["rule"]: (o["success"], o["failing_rows"]) for o in recorded}
        assert {o.rule: (o.success, o.failing_rows) for o in found} == on_hubspot, suite
