"""The sample-data generator: deterministic, complete, shaped like docs/sources.md, consistent
across systems, and plausible enough for the metrics to mean something."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest

from dagster_project.source_catalog import SOURCE_TABLES, SourceTable
from generator import generate
from generator.common import (
    add_months,
    group_cumsum,
    paris_utc_offset_hours,
    whole_months_between,
)
from generator.writers import padded_ids

SMALL, MODERATE = 40, 600
WINDOW_START = int(datetime(2023, 10, 1, tzinfo=UTC).timestamp())
WINDOW_END = int(datetime(2026, 10, 1, tzinfo=UTC).timestamp())
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
LOCAL = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+0[12]:00$")


def _epoch(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("generated-small")
    return out, generate(out, size=SMALL, seed=7)


@pytest.fixture(scope="module")
def moderate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("generated-moderate")
    return out, generate(out, size=MODERATE, seed=11)


def _files(root: Path, table: SourceTable) -> list[Path]:
    return sorted((root / table.landing_subdir).glob(f"part-*.{table.extension}"))


def _records(root: Path, subdir: str) -> list[dict]:
    rows = []
    for path in sorted((root / subdir).glob("part-*.jsonl")):
        rows += [json.loads(line) for line in path.read_text().splitlines()]
    return rows


def _connect(root: Path) -> duckdb.DuckDBPyConnection:
    """One view per source table (`crm_deals`, ...) over the generated files."""
    con = duckdb.connect()
    for table in SOURCE_TABLES:
        pattern = root / table.landing_subdir / f"part-*.{table.extension}"
        reader = {
            "jsonl": f"read_json_auto('{pattern}', format = 'newline_delimited')",
            "csv": f"read_csv('{pattern}', header = true, all_varchar = true)",
            "parquet": f"read_parquet('{pattern}')",
        }[table.file_format]
        con.execute(f"create view {table.raw_table} as select * from {reader}")
    return con


@pytest.fixture(scope="module")
def con(small: tuple[Path, dict[str, int]]) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = _connect(small[0])
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def moderate_con(moderate: tuple[Path, dict[str, int]]) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = _connect(moderate[0])
    yield connection
    connection.close()


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    return con.execute(sql).fetchone()[0]


# --- pure helpers, values computed by hand ----------------------------------------------------


def test_add_months_clamps_to_month_end_and_comes_back_from_the_anchor() -> None:
    jan_31 = int(datetime(2024, 1, 31, 9, 30, tzinfo=UTC).timestamp())
    result = add_months(np.array([jan_31, jan_31]), np.array([1, 2]))
    assert [datetime.fromtimestamp(t, UTC) for t in result] == [
        datetime(2024, 2, 29, 9, 30, tzinfo=UTC),
        datetime(2024, 3, 31, 9, 30, tzinfo=UTC),
    ]
    assert whole_months_between(np.array([jan_31]), result[:1]).tolist() == [1]
    assert whole_months_between(np.array([jan_31]), result[:1] - 1).tolist() == [0]


def test_paris_offset_switches_at_one_utc_on_the_last_sundays() -> None:
    def at(*args: int) -> int:
        return int(datetime(*args, tzinfo=UTC).timestamp())

    instants = [
        at(2025, 3, 30, 0, 59, 59),
        at(2025, 3, 30, 1),
        at(2025, 10, 26, 0, 59, 59),
        at(2025, 10, 26, 1),
        at(2024, 7, 1),
        at(2024, 1, 15),
    ]
    assert paris_utc_offset_hours(np.array(instants)).tolist() == [1, 2, 2, 1, 2, 1]


def test_group_cumsum_restarts_per_group_and_padded_ids_pad() -> None:
    assert group_cumsum(np.array([1, 2, 3, 4, 5]), np.array([0, 0, 1, 1, 1])).tolist() == [
        1,
        3,
        3,
        7,
        12,
    ]
    assert padded_ids("msg_", np.array([1, 42]), 4).to_pylist() == ["msg_0001", "msg_0042"]


# --- determinism ----------------------------------------------------------------------------


def _digests(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("part-*"))
    }


def test_same_seed_gives_identical_bytes_and_another_seed_differs(
    small: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    again = generate(tmp_path / "again", size=SMALL, seed=7)
    assert again == small[1]
    assert _digests(tmp_path / "again") == _digests(small[0])
    generate(tmp_path / "other", size=SMALL, seed=8)
    other, first = _digests(tmp_path / "other"), _digests(small[0])
    differing = [name for name in first if other.get(name) != first[name]]
    # Every table carrying random content changes (owners and fx included).
    assert len(differing) == len(first)


def test_rerun_into_the_same_folder_replaces_stale_parts(tmp_path: Path) -> None:
    generate(tmp_path, size=SMALL, seed=1, part_rows=50)
    assert len(list((tmp_path / "crm" / "contacts").glob("part-*.jsonl"))) > 1
    generate(tmp_path, size=SMALL, seed=1)
    assert [p.name for p in (tmp_path / "crm" / "contacts").glob("part-*")] == ["part-0000.jsonl"]


# --- the landing contract -------------------------------------------------------------------


def _columns(path: Path, file_format: str) -> list[set[str]]:
    if file_format == "jsonl":
        return [set(json.loads(line)) for line in path.read_text().splitlines()]
    if file_format == "csv":
        with path.open(newline="") as handle:
            return [set(next(csv.reader(handle)))]
    return [set(pq.read_schema(path).names)]


@pytest.mark.parametrize("table", SOURCE_TABLES, ids=lambda t: t.raw_table)
def test_every_catalogue_table_is_written_with_its_required_columns(
    small: tuple[Path, dict[str, int]], table: SourceTable
) -> None:
    root, rows = small
    files = _files(root, table)
    assert files, f"no files for {table.landing_subdir}"
    assert rows[table.raw_table] > 0
    for path in files:
        for columns in _columns(path, table.file_format):
            assert set(table.required_columns) <= columns, (path, columns)


def test_row_counts_match_the_files(small: tuple[Path, dict[str, int]], con) -> None:
    _, rows = small
    assert set(rows) == {t.raw_table for t in SOURCE_TABLES}
    for table in SOURCE_TABLES:
        assert _scalar(con, f"select count(*) from {table.raw_table}") == rows[table.raw_table]


@pytest.mark.parametrize("name", ["owners", "companies", "contacts", "deals", "engagements"])
def test_hubspot_objects_have_the_v3_shape(small: tuple[Path, dict[str, int]], name: str) -> None:
    for record in _records(small[0], f"crm/{name}"):
        assert record["id"].isdigit()
        assert record["archived"] is False
        assert ISO_UTC.match(record["createdAt"]) and ISO_UTC.match(record["updatedAt"])
        assert record["createdAt"] <= record["updatedAt"]
        assert all(v is None or isinstance(v, str) for v in record["properties"].values())
        for history in record.get("propertiesWithHistory", {}).values():
            stamps = [entry["timestamp"] for entry in history]
            assert stamps == sorted(stamps, reverse=True), "history must be newest first"
            assert all(set(entry) == {"value", "timestamp", "sourceType"} for entry in history)


def test_deal_stage_history_starts_at_detection_and_ends_at_the_current_stage(small) -> None:
    for deal in _records(small[0], "crm/deals"):
        history = deal["propertiesWithHistory"]["dealstage"]
        assert history[-1]["value"] == "detection"
        assert history[0]["value"] == deal["properties"]["dealstage"]
        assert deal["properties"]["createdate"] == history[-1]["timestamp"]


ENUMERATIONS = {
    "select distinct properties.role from crm_owners": {"SDR", "AE", "CSM", "AM"},
    "select distinct properties.hs_analytics_source from crm_contacts": {
        "ORGANIC_SEARCH",
        "PAID_SEARCH",
        "PAID_SOCIAL",
        "EMAIL_MARKETING",
        "REFERRALS",
        "DIRECT_TRAFFIC",
        "OFFLINE",
    },
    "select distinct properties.lifecyclestage from crm_contacts": {
        "lead",
        "marketingqualifiedlead",
        "salesqualifiedlead",
        "opportunity",
        "customer",
    },
    "select distinct properties.bant_need from crm_contacts": {"true", "false", None},
    "select distinct properties.dealstage from crm_deals": {
        "detection",
        "qualification",
        "discovery",
        "demo",
        "proposal",
        "negotiation",
        "closedwon",
        "closedlost",
    },
    "select distinct properties.deal_origin from crm_deals": {"marketing", "outbound", "referral"},
    "select distinct properties.pipeline from crm_deals": {"default"},
    "select distinct properties.meddic_champion from crm_deals": {"true", "false"},
    "select distinct properties.deal_currency_code from crm_deals": {"EUR", "USD", "GBP"},
    "select distinct properties.hs_engagement_type from crm_engagements": {
        "CALL",
        "EMAIL",
        "MEETING",
    },
    "select distinct channel from marketing_campaigns": {
        "paid_search",
        "paid_social",
        "email",
        "events",
        "content",
        "partner",
    },
    "select distinct currency from marketing_campaign_spend": {"EUR", "USD", "GBP"},
    "select distinct event_type from marketing_email_events": {
        "sent",
        "open",
        "click",
        "bounce",
        "unsubscribe",
    },
    "select distinct page_category from marketing_page_views": {
        "home",
        "blog",
        "case_study",
        "product",
        "docs",
        "pricing",
        "careers",
    },
    "select distinct form_type from marketing_form_submissions": {
        "newsletter",
        "content_download",
        "webinar",
        "demo_request",
        "contact_sales",
    },
    "select distinct plan from product_workspaces": {"trial", "starter", "growth", "enterprise"},
    "select distinct event from product_tracks": {
        "Signed Up",
        "Logged In",
        "Feature Used",
        "Dashboard Created",
    },
    "select distinct feature_name from product_tracks where event = 'Feature Used'": {
        "reports",
        "dashboards",
        "alerts",
        "integrations",
        "forecasting",
        "exports",
        "automation",
        "api",
    },
    "select distinct feature_name from product_tracks where event != 'Feature Used'": {None},
    "select distinct status from billing_subscriptions": {
        "trialing",
        "active",
        "past_due",
        "canceled",
    },
    "select distinct currency from billing_customers": {"EUR", "USD", "GBP"},
    "select distinct currency from billing_invoices": {"EUR", "USD", "GBP"},
    "select distinct status from billing_invoices": {"paid", "open", "void", "uncollectible"},
    "select distinct unnest(list_transform(lines.data, x -> x.type)) from billing_invoices": {
        "subscription",
        "invoiceitem",
    },
    "select distinct type from billing_subscription_events": {
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
    },
    "select distinct currency from billing_fx_rates": {"USD", "GBP"},
    "select distinct priority from success_tickets": {"low", "normal", "high", "urgent"},
    "select distinct status from success_tickets": {"new", "open", "pending", "solved", "closed"},
    "select distinct survey from success_survey_responses": {"nps", "onboarding_csat"},
}


@pytest.mark.parametrize("sql", ENUMERATIONS)
def test_enumerations_stay_within_the_documented_sets(moderate_con, sql: str) -> None:
    found = {row[0] for row in moderate_con.execute(sql).fetchall()}
    assert found <= ENUMERATIONS[sql], found - ENUMERATIONS[sql]
    assert found  # the set is exercised, not empty


def test_survey_scores_use_their_scales(moderate_con) -> None:
    ranges = moderate_con.execute(
        "select survey, min(score), max(score) from success_survey_responses group by 1 order by 1"
    ).fetchall()
    assert ranges[0][0] == "nps" and ranges[0][1] >= 0 and ranges[0][2] <= 10
    assert ranges[1][0] == "onboarding_csat" and ranges[1][1] >= 1 and ranges[1][2] <= 5


def test_stripe_objects_use_minor_units_epoch_seconds_and_prefixed_ids(small) -> None:
    root = small[0]
    in_window = range(WINDOW_START - 400 * 86_400, WINDOW_END)
    for invoice in _records(root, "billing/invoices"):
        assert invoice["id"].startswith("in_") and invoice["customer"].startswith("cus_")
        assert invoice["subscription"].startswith("sub_")
        money = [invoice[k] for k in ("subtotal", "tax", "total", "amount_paid")]
        assert all(isinstance(v, int) for v in money)
        assert invoice["created"] in in_window
        lines = invoice["lines"]["data"]
        assert all(
            line["id"].startswith("il_") and isinstance(line["amount"], int) for line in lines
        )
        assert all(line["price"]["id"].startswith("price_") for line in lines)
        discounts = sum(d["amount"] for d in invoice["total_discount_amounts"])
        assert invoice["subtotal"] == sum(line["amount"] for line in lines)
        assert invoice["total"] == invoice["subtotal"] - discounts + invoice["tax"]
    for event in _records(root, "billing/subscription_events"):
        assert event["id"].startswith("evt_") and event["created"] in in_window
        for item in event["data"]["object"]["items"]["data"]:
            assert item["id"].startswith("si_") and isinstance(item["price"]["unit_amount"], int)
            recurring = item["price"]["recurring"]
            assert (recurring["interval"], recurring["interval_count"]) in {
                ("month", 1),
                ("month", 3),
                ("year", 1),
            }
    for note in _records(root, "billing/credit_notes"):
        assert note["id"].startswith("cn_") and isinstance(note["amount"], int)
    customers = _records(root, "billing/customers")
    assert all(
        c["id"].startswith("cus_") and c["metadata"]["hubspot_company_id"].isdigit()
        for c in customers
    )


def test_marketing_times_carry_the_local_offset_of_their_season(small) -> None:
    checked = 0
    for name, column in [
        ("page_views", "occurred_at"),
        ("email_events", "occurred_at"),
        ("form_submissions", "submitted_at"),
    ]:
        with (small[0] / "marketing" / name / "part-0000.csv").open(newline="") as handle:
            for row in csv.DictReader(handle):
                stamp = row[column]
                assert LOCAL.match(stamp), stamp
                month = int(stamp[5:7])
                if month in (1, 2, 12, 6, 7, 8):
                    assert stamp.endswith("+01:00" if month in (1, 2, 12) else "+02:00")
                    checked += 1
    assert checked > 100


def test_fx_rates_cover_every_business_day_near_their_centres(con) -> None:
    first, days, usd, gbp, weekend = con.execute("""
        select min(date), count(distinct date), avg(rate_to_eur::double) filter (currency = 'USD'),
            avg(rate_to_eur::double) filter (currency = 'GBP'),
            count(*) filter (dayofweek(date::date) in (0, 6))
        from billing_fx_rates""").fetchone()
    assert first <= "2023-10-02"  # the window's first business day has a rate
    assert 780 <= days <= 790 and weekend == 0  # 3 years of Monday-Friday
    assert 0.85 < usd < 0.99 and 1.08 < gbp < 1.26


def test_tracks_are_parquet_with_utc_timestamps_inside_the_window(con) -> None:
    types = dict(
        con.execute("select column_name, column_type from (describe product_tracks)").fetchall()
    )
    assert types["timestamp"] == "TIMESTAMP" and types["received_at"] == "TIMESTAMP"
    lo, hi, late, unique = con.execute("""
        select min(timestamp), max(timestamp), count(*) filter (received_at < timestamp),
            count(distinct message_id) = count(*)
        from product_tracks""").fetchone()
    assert lo >= datetime(2023, 10, 1) and hi < datetime(2026, 10, 1)
    assert late == 0 and unique


# --- referential integrity ------------------------------------------------------------------

FOREIGN_KEYS = {
    "contact company": (
        "select properties.associatedcompanyid from crm_contacts",
        "select id from crm_companies",
    ),
    "contact owner": (
        "select properties.hubspot_owner_id from crm_contacts",
        "select id from crm_owners",
    ),
    "company owner": (
        "select properties.hubspot_owner_id from crm_companies",
        "select id from crm_owners",
    ),
    "deal owner": (
        "select properties.hubspot_owner_id from crm_deals",
        "select id from crm_owners",
    ),
    "deal company": (
        "select unnest(associations.companies.results).id from crm_deals",
        "select id from crm_companies",
    ),
    "deal contact": (
        "select unnest(associations.contacts.results).id from crm_deals",
        "select id from crm_contacts",
    ),
    "engagement owner": (
        "select properties.hubspot_owner_id from crm_engagements",
        "select id from crm_owners",
    ),
    "engagement contact": (
        "select unnest(associations.contacts.results).id from crm_engagements",
        "select id from crm_contacts",
    ),
    "engagement company": (
        "select unnest(associations.companies.results).id from crm_engagements",
        "select id from crm_companies",
    ),
    "engagement deal": (
        "select unnest(associations.deals.results).id from crm_engagements",
        "select id from crm_deals",
    ),
    "spend campaign": (
        "select campaign_id from marketing_campaign_spend",
        "select campaign_id from marketing_campaigns",
    ),
    "email campaign": (
        "select campaign_id from marketing_email_events",
        "select campaign_id from marketing_campaigns",
    ),
    "email contact": (
        "select contact_id from marketing_email_events",
        "select id from crm_contacts",
    ),
    "view contact": ("select contact_id from marketing_page_views", "select id from crm_contacts"),
    "form contact": (
        "select contact_id from marketing_form_submissions",
        "select id from crm_contacts",
    ),
    "workspace company": (
        "select crm_company_id from product_workspaces",
        "select id from crm_companies",
    ),
    "user workspace": (
        "select workspace_id from product_users",
        "select workspace_id from product_workspaces",
    ),
    "user contact": (
        "select crm_contact_id from product_users where crm_contact_id is not null",
        "select id from crm_contacts",
    ),
    "track user": ("select user_id from product_tracks", "select user_id from product_users"),
    "track user workspace": (
        "select user_id || workspace_id from product_tracks",
        "select user_id || workspace_id from product_users",
    ),
    "customer company": (
        "select metadata.hubspot_company_id from billing_customers",
        "select id from crm_companies",
    ),
    "subscription customer": (
        "select customer from billing_subscriptions",
        "select id from billing_customers",
    ),
    "event subscription": (
        "select data.object.id from billing_subscription_events",
        "select id from billing_subscriptions",
    ),
    "invoice customer": (
        "select customer from billing_invoices",
        "select id from billing_customers",
    ),
    "invoice subscription": (
        "select subscription from billing_invoices",
        "select id from billing_subscriptions",
    ),
    "invoice subscription's customer": (
        "select subscription || customer from billing_invoices",
        "select id || customer from billing_subscriptions",
    ),
    "credit note invoice": (
        "select invoice from billing_credit_notes",
        "select id from billing_invoices",
    ),
    "ticket company": (
        "select organization_id from success_tickets",
        "select id from crm_companies",
    ),
    "ticket requester": ("select requester_id from success_tickets", "select id from crm_contacts"),
    "survey company": (
        "select company_id from success_survey_responses",
        "select id from crm_companies",
    ),
    "survey contact": (
        "select contact_id from success_survey_responses",
        "select id from crm_contacts",
    ),
}


@pytest.mark.parametrize("name", FOREIGN_KEYS)
def test_every_foreign_key_points_to_an_existing_row(moderate_con, name: str) -> None:
    child, parent = FOREIGN_KEYS[name]
    total, dangling = moderate_con.execute(
        f"select count(*), count(*) filter (k not in ({parent})) from ({child}) as c(k)"
    ).fetchone()
    assert total > 0 and dangling == 0, f"{name}: {dangling} of {total} dangling"


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ("crm_contacts", "id"),
        ("crm_deals", "id"),
        ("crm_engagements", "id"),
        ("billing_invoices", "id"),
        ("billing_subscription_events", "id"),
        ("marketing_page_views", "view_id"),
        ("product_users", "user_id"),
        ("success_tickets", "id"),
        ("marketing_campaign_spend", "campaign_id || month"),
    ],
)
def test_primary_keys_are_unique(moderate_con, table: str, key: str) -> None:
    rows, keys = moderate_con.execute(
        f"select count(*), count(distinct {key}) from {table}"
    ).fetchone()
    assert rows == keys


# --- scale ----------------------------------------------------------------------------------


def test_row_counts_scale_with_size(small, moderate) -> None:
    few, many = small[1], moderate[1]
    assert few["crm_companies"] == SMALL and many["crm_companies"] == MODERATE
    assert 8 <= many["crm_contacts"] / MODERATE <= 12  # ~10 contacts per account
    assert 400 <= many["product_tracks"] / MODERATE <= 600  # ~500 events per account
    assert 400 <= few["product_tracks"] / SMALL <= 600
    ratio = MODERATE / SMALL
    for table in ("crm_contacts", "billing_invoices", "marketing_page_views", "success_tickets"):
        assert 0.6 * ratio <= many[table] / few[table] <= 1.6 * ratio, table


# --- plausibility (moderate size) -----------------------------------------------------------


def test_win_rate_cycle_and_open_pipeline_are_plausible(moderate_con) -> None:
    won, lost, open_deals, cycle = moderate_con.execute("""
        select count(*) filter (properties.dealstage = 'closedwon'),
            count(*) filter (properties.dealstage = 'closedlost'),
            count(*) filter (properties.dealstage not in ('closedwon', 'closedlost')),
            median(date_diff('day', properties.createdate::timestamp,
                properties.closedate::timestamp)) filter (properties.dealstage = 'closedwon')
        from crm_deals""").fetchone()
    assert 0.10 <= won / (won + lost) <= 0.35
    assert 60 <= cycle <= 150
    assert open_deals > 0


def test_quotas_belong_to_aes_and_ams_only(moderate_con) -> None:
    quotas = dict(
        moderate_con.execute("""
        select properties.role, count(properties.quarterly_quota_eur)::double / count(*)
        from crm_owners group by 1""").fetchall()
    )
    assert quotas == {"AE": 1.0, "AM": 1.0, "SDR": 0.0, "CSM": 0.0}


def test_lifecycle_follows_the_funnel_moments(moderate_con) -> None:
    """An SQL has BANT complete; every MQL moment is an intent form; SDRs follow MQLs up
    within hours mostly, with a tail of late follow-ups (a reference company: 65% within 24 h)."""
    bad_sql = _scalar(
        moderate_con,
        """
        select count(*) from crm_contacts
        where properties.bant_qualified_at is not null and not (
            properties.bant_budget = 'true' and properties.bant_authority = 'true'
            and properties.bant_need = 'true' and properties.bant_timing = 'true')""",
    )
    assert bad_sql == 0
    total, with_form, touched, within_day, median_hours = moderate_con.execute("""
        with stages as (
            select id, unnest(propertiesWithHistory.lifecyclestage, recursive := true)
            from crm_contacts
        ),
        mql as (
            select id, timestamp::timestamptz as mql_at from stages
            where value = 'marketingqualifiedlead'
        ),
        sdr_touches as (
            select e.associations.contacts.results[1].id as contact_id,
                e.properties.hs_timestamp::timestamptz as touched_at
            from crm_engagements as e
            join crm_owners as o on o.id = e.properties.hubspot_owner_id
            where o.properties.role = 'SDR'
        ),
        response as (
            select mql.id, min(date_diff('minute', mql_at, touched_at)) / 60 as hours
            from mql join sdr_touches as t on t.contact_id = mql.id and t.touched_at >= mql_at
            group by mql.id
        )
        select (select count(*) from mql),
            (select count(*) from mql where exists (
                select 1 from marketing_form_submissions as f
                where f.contact_id = mql.id
                    and f.form_type in ('demo_request', 'contact_sales')
                    and f.submitted_at::timestamptz = mql.mql_at)),
            count(*), avg((hours < 24)::int), median(hours)
        from response""").fetchone()
    assert total > 50 and with_form == total
    assert touched >= 0.97 * total
    assert 0.55 <= within_day <= 0.9 and 1 <= median_hours <= 12


def test_some_customers_churn_early_and_some_come_back(moderate_con) -> None:
    early = _scalar(
        moderate_con,
        """
        select count(*) from billing_subscriptions as s
        where s.status = 'canceled'
            and exists (select 1 from billing_invoices as i where i.subscription = s.id)
            and s.ended_at - coalesce(s.trial_end, s.start_date) <= 90 * 86400""",
    )
    reactivated = _scalar(
        moderate_con,
        """
        select count(*) from billing_subscriptions as later
        join billing_subscriptions as earlier
            on earlier.customer = later.customer and earlier.ended_at <= later.created""",
    )
    assert early > 0 and reactivated > 0


def test_subscription_state_is_its_last_event(moderate_con) -> None:
    mismatches = _scalar(
        moderate_con,
        """
        with last_event as (
            select data.object as snapshot from billing_subscription_events
            qualify row_number() over (partition by data.object.id order by created desc,
                id desc) = 1
        )
        select count(*) from billing_subscriptions as s
        join last_event as e on e.snapshot.id = s.id
        where e.snapshot.status != s.status or e.snapshot.items != s.items""",
    )
    assert mismatches == 0


def test_health_signals_sour_before_churn(moderate_con) -> None:
    """NPS answers in the 90 days before a cancellation request are clearly worse."""
    before, overall = moderate_con.execute("""
        with requests as (
            select c.metadata.hubspot_company_id as company,
                make_timestamp(s.canceled_at * 1000000) as requested
            from billing_subscriptions as s
            join billing_customers as c on c.id = s.customer
            where s.canceled_at is not null and s.canceled_at != s.trial_end
        )
        select avg(score) filter (exists (
                select 1 from requests as r where r.company = n.company_id
                    and n.responded_at::timestamp between r.requested - interval 90 day
                        and r.requested)),
            avg(score)
        from success_survey_responses as n where survey = 'nps'""").fetchone()
    assert before < overall - 1.5


def test_cli_prints_row_counts_and_rejects_a_tiny_size(tmp_path: Path, capsys) -> None:
    from generator.cli import main

    main(["--size", "12", "--seed", "3", "--out", str(tmp_path)])
    printed = capsys.readouterr().out
    assert "crm_companies" in printed and " 12\n" in printed.replace(",", "")
    with pytest.raises(SystemExit):
        main(["--size", "3", "--out", str(tmp_path)])


def test_a_custom_window_bounds_every_event(tmp_path: Path) -> None:
    from datetime import date

    generate(tmp_path, size=30, seed=5, start=date(2024, 1, 1), end=date(2024, 12, 31))
    con = _connect(tmp_path)
    lo, hi = con.execute("select min(timestamp), max(timestamp) from product_tracks").fetchone()
    assert lo >= datetime(2024, 1, 1) and hi < datetime(2025, 1, 1)
    first, last = con.execute("select min(created), max(created) from billing_invoices").fetchone()
    assert int(datetime(2024, 1, 1, tzinfo=UTC).timestamp()) <= first
    assert last < int(datetime(2025, 1, 1, tzinfo=UTC).timestamp())
