"""Build the whole sample company and write its source exports: the importable entry point."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np

from dagster_project.source_catalog import CrmSource
from generator.accounts import company_owners, make_companies, make_owners
from generator.activities import Activities
from generator.common import NONE, Window
from generator.deals import deal_activities, make_deals, with_expansions
from generator.funnel import make_contacts, sdr_activities
from generator.ids import creation_rank
from generator.invoices import fx_rates, make_invoices
from generator.marketing import make_marketing
from generator.product import make_product
from generator.subscriptions import make_subscriptions, set_manager_quotas
from generator.success import account_activities, make_success
from generator.write_billing import write_billing
from generator.write_crm import (
    write_companies,
    write_contacts,
    write_deals,
    write_engagements,
    write_owners,
)
from generator.write_marketing import write_marketing
from generator.write_product import write_product, write_success
from generator.write_salesforce import rewrite_as_salesforce
from generator.writers import LandingWriter

# Three years ending on the dbt var `as_of_date`, fixed so output never depends on today.
DEFAULT_START = date(2023, 10, 1)
DEFAULT_END = date(2026, 9, 30)
MIN_SIZE = 10  # below this a region can lack a rep of some role
# Accounts are created until 45 days before the last day and sales cycles take weeks: a shorter
# history has no room for the company model (it failed below about 45 days) and rarely a deal.
MIN_HISTORY_DAYS = 90


class IncompleteCompany(ValueError):
    """The drawn company left a table of the landing contract without records."""


def generate(
    out_dir: Path,
    size: int,
    seed: int,
    start: date = DEFAULT_START,
    end: date = DEFAULT_END,
    part_rows: int = 1_000_000,
    crm: CrmSource = "hubspot",
) -> dict[str, int]:
    """Write `<out_dir>/<system>/<table>/part-NNNN.<ext>` for every catalogue table for a
    company with `size` CRM accounts; returns the row count per raw table name
    (`<system>_<table>`). The same (size, seed, start, end) always gives identical bytes.
    `crm="salesforce"` writes the same company's CRM as a Salesforce org
    (generator/write_salesforce.py)."""
    if size < MIN_SIZE:
        raise ValueError(f"size must be at least {MIN_SIZE}, got {size}")
    if (end - start).days + 1 < MIN_HISTORY_DAYS:
        raise ValueError(
            f"the history {start}..{end} is shorter than {MIN_HISTORY_DAYS} days, the shortest "
            "the company model supports"
        )
    window = Window.from_dates(start, end)
    owners = make_owners(size, window, seed)
    companies = make_companies(size, window, seed)
    contacts = make_contacts(companies, owners, window, seed)
    deals = make_deals(companies, contacts, owners, window, seed)
    subs = make_subscriptions(companies, contacts, deals, window, seed)
    set_manager_quotas(subs, owners, window)
    paying = subs.plan.converts & (subs.paid_start < window.end)
    deals = with_expansions(
        deals,
        companies,
        contacts,
        owners,
        (subs.plan.company[paying], subs.paid_start[paying], subs.ended_at[paying]),
        window,
        seed,
    )
    invoices = make_invoices(subs, companies, window, seed)
    product = make_product(subs, companies, contacts, window, seed)
    marketing = make_marketing(contacts, subs, size, window, seed)
    success = make_success(subs, contacts, window, seed)

    paid = subs.plan.converts & (subs.paid_start < window.end)
    is_customer = np.zeros(len(companies), dtype=bool)
    is_customer[subs.plan.company[paid]] = True
    owner = company_owners(companies, owners, is_customer, seed)
    became_customer = np.full(len(companies), NONE)
    np.maximum.at(became_customer, subs.plan.company[paid], subs.paid_start[paid])
    activities = Activities.concat(
        [
            sdr_activities(contacts, window, seed),
            deal_activities(deals, contacts, window, seed),
            account_activities(subs, companies, contacts, owner, window, seed),
        ]
    )
    contact_rank = creation_rank(contacts.created)

    writer = LandingWriter(Path(out_dir), part_rows=part_rows)
    try:
        write_owners(writer, owners)
        write_companies(writer, companies, owner, np.maximum(companies.created, became_customer))
        write_contacts(writer, contacts, contact_rank)
        write_deals(writer, deals, contact_rank)
        write_engagements(writer, activities, contact_rank, seed)
        write_marketing(writer, marketing, contact_rank)
        write_product(writer, product, contact_rank)
        write_billing(writer, subs, invoices, fx_rates(window, seed))
        write_success(writer, success, contact_rank)
    finally:
        writer.close()
    # A small company over a short history can draw no deal (or ticket, or survey answer) at all;
    # an export without one breaks the landing contract, so say so here rather than at load.
    empty = [table for table, rows in writer.rows.items() if rows == 0]
    if empty:
        raise IncompleteCompany(
            f"size {size}, seed {seed}, {start}..{end}: no records for {', '.join(empty)} in "
            f"{out_dir}; choose a larger size, a longer history or another seed"
        )
    if crm == "salesforce":
        return rewrite_as_salesforce(Path(out_dir), writer.rows)
    return writer.rows
