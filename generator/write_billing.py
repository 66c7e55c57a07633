"""Stripe exports (JSON lines): customers, subscriptions (current state), subscription events
(the full subscription at each change), invoices with lines, credit notes; and the FX CSV.
Amounts are integers in minor units, times are epoch seconds, currencies EUR/USD/GBP."""

from __future__ import annotations

import numpy as np

from generator.common import CURRENCIES, DAY, NONE
from generator.ids import COMPANY_BASE, hubspot_ids
from generator.invoices import CREDIT_REASONS, INVOICE_STATUSES, Invoices
from generator.prices import (
    TIERS,
    VERSIONS,
    addon_unit_amount,
    seat_unit_amount,
)
from generator.subscriptions import (
    CREATED,
    DELETED,
    STATUSES,
    Subscriptions,
    current_state,
)
from generator.writers import LandingWriter, lookup

TIER_LABELS = ("Starter", "Growth", "Enterprise")


def _stripe_id(prefix: str, column: str, digits: int) -> str:
    return f"'{prefix}_' || lpad(({column})::varchar, {digits}, '0')"


def _price_id(product: str, currency: str, months: str, version: str) -> str:
    return (
        f"'price_' || {product} || '_' || lower({currency}) || '_' || {months}::varchar "
        f"|| 'm_' || {version}"
    )


def _recurring(months: str) -> str:
    return (
        f"{{'interval': case when {months} = 12 then 'year' else 'month' end, "
        f"'interval_count': case when {months} = 12 then 1 else {months} end}}"
    )


SUBSCRIPTION = f"""{{
    'id': {_stripe_id("sub", "sub", 8)},
    'object': 'subscription',
    'customer': {_stripe_id("cus", "customer", 8)},
    'status': {lookup(STATUSES, "status")},
    'created': created,
    'start_date': created,
    'canceled_at': epoch(canceled_at),
    'ended_at': epoch(ended_at),
    'trial_start': epoch(trial_start),
    'trial_end': epoch(trial_end),
    'currency': cur,
    'cancel_at_period_end': cancel_at_period_end,
    'discount': case when discount = 0 then null else
        {{'coupon': {{'id': 'coupon_' || discount::varchar || 'off', 'percent_off': discount,
                      'duration': 'forever'}}}} end,
    'items': {{'object': 'list', 'data': list_concat(
        [{{'id': {_stripe_id("si", "sub * 2", 9)}, 'object': 'subscription_item',
          'quantity': qty,
          'price': {{'id': {_price_id("tier_name", "cur", "months", "version_name")},
                    'object': 'price', 'unit_amount': seat_unit, 'currency': cur,
                    'recurring': {_recurring("months")}, 'product': 'prod_' || tier_name}}}}],
        case when addon then
        [{{'id': {_stripe_id("si", "sub * 2 + 1", 9)}, 'object': 'subscription_item',
          'quantity': 1,
          'price': {{'id': {_price_id("'api_addon'", "cur", "months", "'2023'")},
                    'object': 'price', 'unit_amount': addon_unit, 'currency': cur,
                    'recurring': {_recurring("months")}, 'product': 'prod_api_addon'}}}}]
        else [] end)}}
}}"""


def _versions_table(subs: Subscriptions) -> dict[str, np.ndarray]:
    plan, sub = subs.plan, subs.sub
    months, currency = plan.interval[sub], plan.currency[sub]
    trial = plan.trial_days[sub] > 0
    return {
        "sub": sub,
        "customer": subs.customer[sub],
        "status": subs.status,
        "created": plan.start[sub],
        "canceled_at": subs.canceled_at,
        "ended_at": np.where(subs.kind == DELETED, subs.at, NONE),
        "trial_start": np.where(trial, plan.start[sub], NONE),
        "trial_end": np.where(trial, subs.trial_end[sub], NONE),
        "currency": currency,
        "cancel_at_period_end": subs.cancel_at_period_end,
        "discount": plan.discount[sub],
        "tier": subs.tier,
        "qty": subs.qty,
        "version": subs.version,
        "months": months,
        "addon": plan.addon[sub],
        "seat_unit": seat_unit_amount(subs.tier, currency, months, subs.version),
        "addon_unit": addon_unit_amount(currency, months),
    }


def _derived(table: str) -> str:
    return f"""select *, {lookup(CURRENCIES, "currency")} as cur,
        {lookup(TIERS, "tier")} as tier_name, {lookup(VERSIONS, "version")} as version_name
        from {table}"""


def write_billing(
    w: LandingWriter, subs: Subscriptions, invoices: Invoices, fx: tuple[np.ndarray, np.ndarray]
) -> None:
    _customers(w, subs)
    versions = _versions_table(subs)
    latest = current_state(subs)
    current = {k: v[latest] for k, v in versions.items()} | {"_row": subs.sub[latest]}
    w.write(
        "billing",
        "subscriptions",
        "jsonl",
        f"select _row, unnest({SUBSCRIPTION}) from ({_derived('sub_versions')})",
        {"sub_versions": current},
    )
    by_time = np.argsort(subs.at, kind="stable")
    rank = np.empty_like(by_time)
    rank[by_time] = np.arange(len(by_time))
    event_type = (
        f"case when kind = {CREATED} then 'created' when kind = {DELETED} "
        "then 'deleted' else 'updated' end"
    )
    w.write(
        "billing",
        "subscription_events",
        "jsonl",
        f"""
        select _row, {_stripe_id("evt", "_row", 10)} as id, 'event' as object,
            'customer.subscription.' || {event_type} as type, ts as created,
            {{'object': {SUBSCRIPTION}}} as data
        from ({_derived("sub_events")})""",
        {"sub_events": versions | {"_row": rank, "ts": subs.at, "kind": subs.kind}},
    )
    _invoices(w, subs, invoices)
    _fx(w, fx)


def _customers(w: LandingWriter, subs: Subscriptions) -> None:
    n = len(subs.customer_company)
    currency = np.zeros(n, dtype=np.int64)
    currency[subs.customer] = subs.plan.currency
    customers = {
        "_row": np.arange(n),
        "created": subs.customer_created,
        "company_id": hubspot_ids(COMPANY_BASE, subs.customer_company),
        "currency": currency,
    }
    w.write(
        "billing",
        "customers",
        "jsonl",
        f"""
        select _row, {_stripe_id("cus", "_row", 8)} as id, 'customer' as object, created,
            {lookup(CURRENCIES, "currency")} as currency,
            'billing.' || company_id::varchar || '@example.com' as email,
            {{'hubspot_company_id': company_id::varchar}} as metadata
        from customers""",
        {"customers": customers},
    )


def _invoices(w: LandingWriter, subs: Subscriptions, inv: Invoices) -> None:
    n = len(inv.sub)
    plan = subs.plan
    currency = plan.currency[inv.sub]
    invoices = {
        "_row": np.arange(n),
        "sub": inv.sub,
        "customer": subs.customer[inv.sub],
        "status": inv.status,
        "currency": currency,
        "period_start": inv.period_start,
        "period_end": inv.period_end,
        "subtotal": inv.subtotal,
        "discount": inv.discount,
        "tax": inv.tax,
        "total": inv.total,
    }
    line = inv.line_invoice
    line_columns = {
        "line_id": np.arange(len(line)),
        "kind": inv.line_kind,
        "amount": inv.line_amount,
        "qty": inv.line_qty,
        "tier": inv.line_tier,
        "version": inv.line_version,
        "months": plan.interval[inv.sub[line]],
        "currency": currency[line],
        "line_start": inv.line_start,
        "line_end": inv.line_end,
    }
    price = f"""case kind
        when 0 then {_price_id("tier_name", "cur", "months", "version_name")}
        when 1 then {_price_id("'api_addon'", "cur", "months", "'2023'")}
        when 2 then {_price_id("tier_name", "cur", "months", "version_name")}
        else 'price_onboarding_' || tier_name || '_' || lower(cur) end"""
    label = f"({lookup(TIER_LABELS, 'tier')} || ' plan')"
    description = f"""case kind
        when 0 then qty::varchar || ' × ' || {label}
        when 1 then '1 × API add-on'
        when 2 then case when amount < 0 then 'Unused time on ' else 'Remaining time on ' end
            || qty::varchar || ' × ' || {label}
        else 'Onboarding package' end"""
    line_struct = f"""{{'id': {_stripe_id("il", "line_id", 11)}, 'object': 'line_item',
        'type': case when kind in (0, 1) then 'subscription' else 'invoiceitem' end,
        'amount': amount, 'currency': cur, 'description': {description},
        'proration': kind = 2, 'quantity': qty, 'price': {{'id': {price}}},
        'period': {{'start': line_start, 'end': line_end}}}}"""
    invoices["lines"] = w.nested(line, n, line_columns, line_struct, _derived("_children"))
    w.write(
        "billing",
        "invoices",
        "jsonl",
        f"""
        select _row, {_stripe_id("in", "_row", 10)} as id, 'invoice' as object,
            {_stripe_id("cus", "customer", 8)} as customer,
            {_stripe_id("sub", "sub", 8)} as subscription,
            {lookup(INVOICE_STATUSES, "status")} as status,
            {lookup(CURRENCIES, "currency")} as currency,
            period_start as created, period_start, period_end, subtotal,
            case when discount = 0 then [] else [{{'amount': discount}}] end
                as total_discount_amounts,
            tax, total, case when status = 0 then total else 0 end as amount_paid,
            total as amount_due,
            {{'object': 'list', 'data': lines}} as lines
        from invoices""",
        {"invoices": invoices},
    )
    notes = len(inv.credit_invoice)
    credit_notes = {
        "_row": np.arange(notes),
        "invoice": inv.credit_invoice,
        "customer": subs.customer[inv.sub[inv.credit_invoice]],
        "currency": currency[inv.credit_invoice],
        "amount": inv.credit_amount,
        "created": inv.credit_created,
        "reason": inv.credit_reason,
        "void": inv.credit_void,
    }
    w.write(
        "billing",
        "credit_notes",
        "jsonl",
        f"""
        select _row, {_stripe_id("cn", "_row", 8)} as id, 'credit_note' as object,
            {_stripe_id("in", "invoice", 10)} as invoice,
            {_stripe_id("cus", "customer", 8)} as customer, amount,
            {lookup(CURRENCIES, "currency")} as currency, created,
            {lookup(CREDIT_REASONS, "reason")} as reason,
            case when void then 'void' else 'issued' end as status
        from credit_notes""",
        {"credit_notes": credit_notes},
    )


def _fx(w: LandingWriter, fx: tuple[np.ndarray, np.ndarray]) -> None:
    days, rates = fx
    n = len(days)
    fx_table = {
        "_row": np.arange(2 * n),
        "day": np.repeat(days * DAY, 2),
        "currency": np.tile([1, 2], n),
        "rate": np.round(rates.ravel(), 6),
    }
    w.write(
        "billing",
        "fx_rates",
        "csv",
        f"""
        select _row, ymd(day) as date, {lookup(CURRENCIES, "currency")} as currency,
            printf('%.6f', rate) as rate_to_eur
        from fx""",
        {"fx": fx_table},
    )
