"""Marketing exports (CSV with a header): campaigns, monthly spend, email events, page views,
form submissions. Event times carry the tool's local offset (+01:00 / +02:00, Paris time)."""

from __future__ import annotations

import numpy as np

from generator.common import CURRENCIES, paris_utc_offset_hours
from generator.ids import CONTACT_BASE, hubspot_ids
from generator.marketing import (
    CHANNELS,
    EMAIL_EVENTS,
    FORM_TYPES,
    PAGE_CATEGORIES,
    Marketing,
)
from generator.product import FEATURES
from generator.writers import LandingWriter, lookup

CHANNEL_LABELS = ("Paid search", "Paid social", "Email", "Event", "Content", "Partner")
SITE = "https://www.example.com"


def _campaign_id(column: str) -> str:
    return f"'cmp_' || lpad(({column})::varchar, 5, '0')"


def write_marketing(w: LandingWriter, m: Marketing, contact_rank: np.ndarray) -> None:
    n = len(m.campaign_channel)
    campaigns_table = {
        "_row": np.arange(n),
        "channel": m.campaign_channel,
        "start": m.campaign_start,
        "end_at": m.campaign_end,
    }
    w.write(
        "marketing",
        "campaigns",
        "csv",
        f"""
        select _row, {_campaign_id("_row + 1")} as campaign_id,
            {lookup(CHANNEL_LABELS, "channel")} || ' ' || strftime(make_timestamp(start * 1000000),
                '%Y-%m') || ' #' || (_row + 1)::varchar as name,
            {lookup(CHANNELS, "channel")} as channel, ymd(start) as start_date,
            ymd(end_at) as end_date
        from campaigns""",
        {"campaigns": campaigns_table},
    )
    spend = len(m.spend_campaign)
    order = np.lexsort((m.spend_month, m.spend_campaign))
    spend_table = {
        "_row": np.arange(spend),
        "campaign": m.spend_campaign[order],
        "month": m.spend_month[order],
        "amount": m.spend_amount[order],
        "currency": m.campaign_currency[m.spend_campaign[order]],
    }
    w.write(
        "marketing",
        "campaign_spend",
        "csv",
        f"""
        select _row, {_campaign_id("campaign + 1")} as campaign_id,
            strftime(make_timestamp(month * 1000000), '%Y-%m') as month,
            printf('%.2f', amount) as spend, {lookup(CURRENCIES, "currency")} as currency
        from spend""",
        {"spend": spend_table},
    )
    _events(w, m, contact_rank)


def _events(w: LandingWriter, m: Marketing, contact_rank: np.ndarray) -> None:
    def contact_ids(index: np.ndarray) -> np.ndarray:
        return hubspot_ids(CONTACT_BASE, contact_rank[index])

    emails = len(m.email_at)
    emails_table = {
        "_row": np.arange(emails),
        "campaign": m.email_campaign,
        "contact_id": contact_ids(m.email_contact),
        "kind": m.email_type,
        "ts": m.email_at,
        "off": paris_utc_offset_hours(m.email_at),
    }
    w.write(
        "marketing",
        "email_events",
        "csv",
        f"""
        select _row, 'em_' || lpad((_row + 1)::varchar, 9, '0') as event_id,
            {_campaign_id("campaign + 1")} as campaign_id, contact_id::varchar as contact_id,
            {lookup(EMAIL_EVENTS, "kind")} as event_type, local_ts(ts, off) as occurred_at
        from emails""",
        {"emails": emails_table},
    )

    views = len(m.view_at)
    views_table = {
        "_row": np.arange(views),
        "contact_id": contact_ids(m.view_contact),
        "category": m.view_category,
        "slug": m.view_slug,
        "ts": m.view_at,
        "off": paris_utc_offset_hours(m.view_at),
    }
    url = f"""case category
        when 0 then '{SITE}/'
        when 1 then '{SITE}/blog/post-' || slug::varchar
        when 2 then '{SITE}/customers/story-' || (slug % 40)::varchar
        when 3 then '{SITE}/product/' || {lookup(FEATURES, "slug % 8")}
        when 4 then '{SITE}/docs/article-' || slug::varchar
        when 5 then '{SITE}/pricing'
        else '{SITE}/careers' end"""
    w.write(
        "marketing",
        "page_views",
        "csv",
        f"""
        select _row, 'pv_' || lpad((_row + 1)::varchar, 9, '0') as view_id,
            contact_id::varchar as contact_id, {url} as url,
            {lookup(PAGE_CATEGORIES, "category")} as page_category,
            local_ts(ts, off) as occurred_at
        from views""",
        {"views": views_table},
    )

    forms = len(m.form_at)
    forms_table = {
        "_row": np.arange(forms),
        "contact_id": contact_ids(m.form_contact),
        "kind": m.form_type,
        "slug": m.form_slug,
        "ts": m.form_at,
        "off": paris_utc_offset_hours(m.form_at),
    }
    page = f"""case kind
        when 0 then '{SITE}/blog/post-' || slug::varchar
        when 1 then '{SITE}/resources/guide-' || slug::varchar
        when 2 then '{SITE}/webinars/session-' || slug::varchar
        when 3 then '{SITE}/demo'
        else '{SITE}/contact-sales' end"""
    w.write(
        "marketing",
        "form_submissions",
        "csv",
        f"""
        select _row, 'fs_' || lpad((_row + 1)::varchar, 8, '0') as submission_id,
            contact_id::varchar as contact_id, {lookup(FORM_TYPES, "kind")} as form_type,
            {page} as page_url, local_ts(ts, off) as submitted_at
        from forms""",
        {"forms": forms_table},
    )
