"""Optional sources: a company without some systems still publishes, and says what it cannot tell.

One end-to-end run on the session's generated company with its marketing, product and success
folders deleted (only CRM and billing left), compared with the session's build of the whole
company; a run missing required tables names them all before loading anything; the preflight,
the lineage and the availability statuses on tiny inputs.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project.cli.summary import summary_lines
from dagster_project.extraction.preflight import survey_landing
from dagster_project.metric_config import metric_vars
from dagster_project.publishing.availability import Availability, mart_sources, metric_models
from dagster_project.resources import WarehouseResource
from dagster_project.run_pipeline import failure_lines
from dagster_project.source_catalog import SOURCE_TABLES
from tests.conftest import make_warehouse, run_full_build

ABSENT_SYSTEMS = ("marketing", "product", "success")
# Marts built only from CRM and billing, and those also built from the deleted systems.
COMPLETE_MARTS = {
    "deal_qualification_alerts",
    "fct_account_revenue_monthly",
    "fct_account_segments",
    "fct_deal_multithreading",
    "fct_mrr",
    "fct_opportunities",
    "fct_pipeline_snapshots",
    "metricflow_time_spine",
    "metrics_bookings_quarterly",
    "metrics_renewals_quarterly",
    "metrics_revenue_segment_monthly",
    "metrics_sales_quarterly",
    "metrics_segment_effort",
}
INCOMPLETE_MARTS = {
    "fct_account_health",
    "fct_lead_lifecycle_history",
    "fct_leads",
    "metrics_funnel_monthly",
    "metrics_health_backtest",
    "metrics_rep_scorecards",
    "metrics_revenue_monthly",
    "metrics_sla_monthly",
}
# Columns that say when a row was loaded, not what it says.
LOAD_TIME_COLUMNS = {"_source_loaded_at", "loaded_at"}


@pytest.fixture(scope="module")
def crm_and_billing(
    landing: tuple[Path, dict[str, int]], tmp_path_factory: pytest.TempPathFactory
) -> tuple[dg.ExecuteInProcessResult, WarehouseResource]:
    root = tmp_path_factory.mktemp("crm_and_billing")
    shutil.copytree(landing[0], root / "landing")
    for system in ABSENT_SYSTEMS:
        shutil.rmtree(root / "landing" / system)
    warehouse = make_warehouse(root / "data", root / "landing")
    return run_full_build(warehouse), warehouse


@pytest.fixture(scope="module")
def published(crm_and_billing, warehouse: Path) -> duckdb.DuckDBPyConnection:
    """The CRM-and-billing warehouse, with the whole company's attached as `whole`."""
    result, resource = crm_and_billing
    assert result.success, failure_lines(result)
    con = duckdb.connect(resource.published_database, read_only=True)
    con.execute(f"attach '{warehouse}' as whole (read_only)")
    yield con
    con.close()


def _differing_rows(con: duckdb.DuckDBPyConnection, mart: str) -> int:
    columns = [
        name
        for (name,) in con.execute(
            "select column_name from information_schema.columns where table_catalog = 'revops' "
            f"and table_schema = 'marts' and table_name = '{mart}' order by ordinal_position"
        ).fetchall()
        if name not in LOAD_TIME_COLUMNS
    ]
    select = ", ".join(f'"{name}"' for name in columns)
    return con.execute(
        f"select count(*) from ((select {select} from marts.{mart} "
        f"except all select {select} from whole.marts.{mart}) union all "
        f"(select {select} from whole.marts.{mart} except all select {select} from marts.{mart}))"
    ).fetchone()[0]


def test_the_sources_without_records_are_named_in_meta(published) -> None:
    absent = published.execute(
        "select source_table, availability, files, rows_loaded, reason "
        "from meta.source_availability where not is_present order by 1"
    ).fetchall()
    expected = sorted(t.raw_table for t in SOURCE_TABLES if t.system in ABSENT_SYSTEMS)
    assert [row[0] for row in absent] == expected
    reason = "no files: what is built from it is incomplete (meta.metric_availability)"
    assert {row[1:] for row in absent} == {("optional", 0, 0, reason)}


def test_staging_builds_on_the_empty_raw_tables(crm_and_billing) -> None:
    """The empty raw tables have the contract's columns and types, so staging built on them
    (in the build file: staging is not served)."""
    result, resource = crm_and_billing
    assert result.success, failure_lines(result)
    with duckdb.connect(resource.database, read_only=True) as build:
        for model in ("stg_product__tracks", "stg_success__tickets"):
            assert build.execute(f"select count(*) from staging.{model}").fetchone() == (0,)


def test_marts_from_crm_and_billing_alone_equal_the_whole_companys(published) -> None:
    statuses = dict(
        published.execute(
            "select name, status from meta.metric_availability where kind = 'mart'"
        ).fetchall()
    )
    assert {m for m, s in statuses.items() if s == "available"} == COMPLETE_MARTS
    assert {m for m, s in statuses.items() if s == "incomplete"} == INCOMPLETE_MARTS
    for mart in COMPLETE_MARTS:
        assert _differing_rows(published, mart) == 0, mart
    # The flag is not idle: each incomplete mart says something else than the whole company's.
    for mart in INCOMPLETE_MARTS:
        assert _differing_rows(published, mart) > 0, mart


def test_mrr_nrr_and_grr_are_the_whole_companys_but_funnel_and_health_are_not(published) -> None:
    bridge = (
        "select month_start, mrr_end_eur, new_mrr_eur, churned_mrr_eur, nrr, grr "
        "from {}marts.metrics_revenue_monthly order by 1"
    )
    assert (
        published.execute(bridge.format("")).fetchall()
        == published.execute(bridge.format("whole.")).fetchall()
    )
    # Leads come from the CRM, but without marketing touches no lead scores, so no MQL.
    assert published.execute("select count(*), count(mql_at) from marts.fct_leads").fetchone() == (
        published.execute("select count(*) from whole.marts.fct_leads").fetchone()[0],
        0,
    )
    # Health without product or success data: no usage (0), no ticket (full marks on friction),
    # never surveyed (the neutral sentiment): the same score for every account and week.
    config = metric_vars()
    weights = config["health_weights"]
    score = (
        weights["support_friction"] * 100
        + weights["sentiment"] * config["health_sentiment_default"]
    )
    assert published.execute(
        "select distinct health_score from marts.fct_account_health"
    ).fetchall() == [(pytest.approx(score),)]
    metrics = dict(
        published.execute(
            "select name, status from meta.metric_availability where kind = 'metric'"
        ).fetchall()
    )
    assert {m for m, s in metrics.items() if s != "available"} == {
        "health_score_average",
        "mqls",
        "mqls_converted_to_sql",
        "mql_to_sql_conversion",
        # Lineage is per table: metrics_revenue_monthly also holds CAC, built from campaign
        # spend, so the retention metrics read from it are flagged although their bridge is
        # complete (asserted above).
        "nrr",
        "grr",
        "nrr_base_mrr",
        "nrr_retained_mrr",
        "grr_retained_mrr",
        # The scorecards read the lead list, the health score and the surveys.
        "scorecard_results_met",
        "scorecard_results_judged",
        "scorecard_attainment",
    }


def test_the_run_summary_says_what_is_missing(crm_and_billing, published) -> None:
    _, resource = crm_and_billing
    lines = [line.split() for line in summary_lines(Path(resource.published_database))]
    assert ["source", "tables", "without", "records"] in lines
    assert [
        "product_tracks",
        "optional",
        "no",
        "files:",
        "what",
        "is",
        "built",
        "from",
        "it",
        "is",
        "incomplete",
        "(meta.metric_availability)",
    ] in lines
    assert [
        "mart",
        "fct_account_health",
        "incomplete",
        "from",
        "product_tracks,",
        "product_workspaces,",
        "success_survey_responses,",
        "success_tickets",
    ] in lines


def _write(landing: Path, subdir: str, name: str, text: str) -> None:
    folder = landing / subdir
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


# The real job, stopped by its first step (about 5 s).
@pytest.mark.e2e
def test_a_run_without_required_tables_names_them_all_and_loads_nothing(
    dbt_manifest, tmp_path
) -> None:
    landing = tmp_path / "landing"
    # Companies absent, contacts an empty file, deals blank lines, subscriptions a CSV by
    # mistake (not a *.jsonl file); customers and an optional table present.
    _write(landing, "crm/contacts", "part-0000.jsonl", "")
    _write(landing, "crm/deals", "part-0000.jsonl", "\n\n")
    _write(landing, "billing/subscriptions", "part-0000.csv", "id\nsub_1\n")
    _write(landing, "billing/customers", "part-0000.jsonl", '{"id": "cus_1"}\n')
    _write(landing, "crm/owners", "part-0000.jsonl", '{"id": "1"}\n')
    warehouse = make_warehouse(tmp_path / "data", landing)
    published = Path(warehouse.published_database)
    published.parent.mkdir(parents=True)
    published.write_bytes(b"the previous warehouse")

    result = run_full_build(warehouse)

    assert not result.success
    (line,) = failure_lines(result)
    assert line.startswith("landing_preflight: MissingSourcesError: 4 required source table(s)")
    for table, problem in (
        ("crm_companies", "no *.jsonl files in <landing>/crm/companies/"),
        ("crm_contacts", "its 1 file(s) hold no records"),
        ("crm_deals", "its 1 file(s) hold no records"),
        ("billing_subscriptions", "no *.jsonl files in <landing>/billing/subscriptions/"),
    ):
        assert f"{table} ({problem})" in line
    assert "billing_customers" not in line
    assert published.read_bytes() == b"the previous warehouse"
    assert not Path(warehouse.database).exists()


def test_the_preflight_reads_presence_not_contents(tmp_path) -> None:
    landing = tmp_path / "landing"
    _write(landing, "marketing/campaigns", "part-0000.csv", "campaign_id,name\n\n")
    _write(landing, "marketing/campaign_spend", "part-0000.csv", "campaign_id\nc1\n")
    _write(landing, "crm/owners", "part-0000.jsonl", "\n  \n")
    # A truncated record still counts as present: the loader names its file and line.
    _write(landing, "crm/companies", "part-0000.jsonl", '{"id": "7", "prop')
    tracks = landing / "product" / "tracks"
    tracks.mkdir(parents=True)
    duckdb.sql(
        "copy (select 'm1' as message_id where false) "
        f"to '{tracks / 'part-0000.parquet'}' (format parquet)"
    )

    presence = {p.table.raw_table: (p.files, p.holds_records) for p in survey_landing(landing)}

    assert presence["marketing_campaigns"] == (1, False)
    assert presence["marketing_campaign_spend"] == (1, True)
    assert presence["crm_owners"] == (1, False)
    assert presence["crm_companies"] == (1, True)
    assert presence["product_tracks"] == (1, False)
    assert presence["crm_deals"] == (0, False)


def test_lineage_reads_marts_and_metrics_back_to_their_source_tables(dbt_manifest) -> None:
    manifest = json.loads(Path(dbt_manifest).read_text())
    marts = mart_sources(manifest)
    # Events first, then invoices and the subscription objects' versions (billing history).
    assert marts["fct_mrr"] == {
        "billing_customers",
        "billing_fx_rates",
        "billing_invoices",
        "billing_subscription_events",
        "billing_subscriptions",
    }
    assert marts["metricflow_time_spine"] == set()
    metrics = metric_models(manifest)
    # Derived and ratio metrics reach their mart through the metrics they are made of.
    assert metrics["arr"] == {"fct_mrr"}
    assert metrics["win_rate"] == {"fct_opportunities"}
    assert metrics["mql_to_sql_conversion"] == {"fct_leads"}


@pytest.mark.parametrize(
    ("rows", "missing", "status", "reason"),
    [
        (5, (), "available", None),
        (
            5,
            ("product_tracks",),
            "incomplete",
            "built from product_tracks, which hold no records: what it derives from them is "
            "missing, zero or null",
        ),
        (
            0,
            ("product_tracks",),
            "unavailable",
            "built from product_tracks, which hold no records; no rows",
        ),
        # Empty with every source delivered: an empty answer, not a missing one.
        (0, (), "available", None),
    ],
)
def test_a_status_follows_from_rows_and_sources_without_records(
    rows, missing, status, reason
) -> None:
    entry = Availability("m", "mart", ("m",), rows, missing)
    assert (entry.status, entry.reason) == (status, reason)


def test_the_sources_page_marks_every_table_as_the_catalogue_does() -> None:
    page = (Path(__file__).parents[1] / "docs" / "sources.md").read_text(encoding="utf-8")
    section = page.split("## What a company must deliver")[1].split("\n## ")[0]
    documented: dict[str, str] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) != 3 or cells[1] not in ("required", "optional", "none if empty"):
            continue
        system = cells[0].split("/")[0]
        for name in cells[0].split(", "):
            documented[f"{system}_{name.split('/')[-1]}"] = cells[1].replace(" ", "_")
    assert documented == {table.raw_table: table.availability for table in SOURCE_TABLES}
