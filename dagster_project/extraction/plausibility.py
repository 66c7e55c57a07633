"""Times that must have happened already: a record cannot say it was created after its file landed.

A source's clock gone wrong (a year 2099, a date typed in the wrong field) would otherwise pass
every parse rule and land in the metrics as an event of the future. Each field below is a moment
that had happened when its export was taken: a time after the file's landing day plus
`quarantine_future_margin_days` (dbt/dbt_project.yml) is quarantined. The landing day is the
as-of date of the delivery (the day of its `date=` folder; for an export without increments,
the run's as-of date: extraction/landing.py), so the verdict on a file does not depend on the
day a run reads it, and a rerun gives the same one. The margin leaves room for time zones and
exports taken in the small hours. Planned dates (a deal's expected close, a campaign's end, a
subscription's trial end) may lie ahead and are not listed.
"""

from __future__ import annotations

from typing import Literal

from dagster_project.metric_config import metric_vars

TimeUnit = Literal["timestamp", "epoch"]
_HUBSPOT = (("createdAt", None, "timestamp"), ("updatedAt", None, "timestamp"))

# raw table -> (field, SQL giving its text or None for the column itself, unit)
HAPPENED_FIELDS: dict[str, tuple[tuple[str, str | None, TimeUnit], ...]] = {
    "crm_owners": _HUBSPOT,
    "crm_companies": _HUBSPOT,
    "crm_contacts": _HUBSPOT,
    "crm_deals": _HUBSPOT,
    "crm_engagements": (*_HUBSPOT, ("hs_timestamp", "properties->>'hs_timestamp'", "timestamp")),
    **{
        f"salesforce_{name}": (("CreatedDate", None, "timestamp"),)
        for name in (
            "user_role",
            "user",
            "account",
            "contact",
            "lead",
            "opportunity",
            "opportunity_history",
            "lead_history",
            "contact_history",
            "task",
            "event",
        )
    },
    "marketing_email_events": (("occurred_at", None, "timestamp"),),
    "marketing_page_views": (("occurred_at", None, "timestamp"),),
    "marketing_form_submissions": (("submitted_at", None, "timestamp"),),
    "product_workspaces": (("created_at", None, "timestamp"),),
    "product_users": (("created_at", None, "timestamp"),),
    "product_tracks": (("timestamp", None, "timestamp"),),
    "billing_customers": (("created", None, "epoch"),),
    "billing_subscriptions": (("created", None, "epoch"),),
    "billing_subscription_events": (("created", None, "epoch"),),
    "billing_invoices": (("created", None, "epoch"),),
    "billing_credit_notes": (("created", None, "epoch"),),
    "success_tickets": (("created_at", None, "timestamp"), ("solved_at", None, "timestamp")),
    "success_survey_responses": (("responded_at", None, "timestamp"),),
}


def margin_days() -> int:
    return int(metric_vars()["quarantine_future_margin_days"])


def future_violation(unit: str, e: str, margin: int, typed: bool, v: str) -> tuple[str, str]:
    """(predicate true when the time is after the landing day plus `margin` days, reason).

    `typed`: a column the file format typed already (Parquet timestamps, in UTC).
    """
    # The first instant after the margin, in UTC: the landing day's midnight + 1 + margin days.
    limit = f"(_landing_date + {margin + 1})::timestamp"
    if typed:
        predicate = f"cast({e} as timestamp) >= {limit}"
    elif unit == "epoch":
        predicate = f"try_cast({e} as bigint) >= epoch({limit})"
    else:
        predicate = f"try_cast({e} as timestamptz) >= timezone('UTC', {limit})"
    reason = (
        f"'future time: ' || {v} || ', after the landing day ' || _landing_date || "
        f"' + {margin} day(s) (quarantine_future_margin_days)'"
    )
    return predicate, reason
