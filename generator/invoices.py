"""Stripe invoices, invoice lines and credit notes, derived from the subscription versions.

One invoice per billing period, issued at the period start (in advance, as Stripe does), with
the price and seats in force at that moment; a seat or tier change inside a period is billed as
a pair of proration lines (see `_prorations`); sales-led subscriptions pay a one-off onboarding
fee on their first invoice. Periods and prorations are worked out per subscription, then the
invoices are numbered in the order they were created.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from generator.accounts import COUNTRY_TAX_RATE, Companies
from generator.common import (
    DAY,
    NONE,
    Window,
    add_months,
    expand,
    position_in_group,
    stream,
)
from generator.plans import ORIGIN_SALES
from generator.prices import ONBOARDING_FEE, addon_unit_amount, seat_unit_amount
from generator.subscriptions import (
    CHANGED,
    PAST_DUE_STATUS,
    Subscriptions,
)

INVOICE_STATUSES = ("paid", "open", "void", "uncollectible")
PAID, OPEN, VOID, UNCOLLECTIBLE = range(4)
LINE_PLAN, LINE_ADDON, LINE_PRORATION, LINE_ONBOARDING = range(4)
CREDIT_REASONS = ("duplicate", "order_change", "product_unsatisfactory", "fraudulent")


@dataclass
class Invoices:
    sub: np.ndarray  # sorted by creation
    period_start: np.ndarray
    period_end: np.ndarray
    subtotal: np.ndarray  # minor units
    discount: np.ndarray
    tax: np.ndarray
    total: np.ndarray
    status: np.ndarray
    line_invoice: np.ndarray  # lines sorted by invoice
    line_kind: np.ndarray
    line_amount: np.ndarray
    line_qty: np.ndarray
    line_tier: np.ndarray  # tier of the price (plan and proration lines)
    line_version: np.ndarray
    line_start: np.ndarray
    line_end: np.ndarray
    credit_invoice: np.ndarray
    credit_amount: np.ndarray
    credit_created: np.ndarray
    credit_reason: np.ndarray
    credit_void: np.ndarray


def _key(sub: np.ndarray, at: np.ndarray, window: Window) -> np.ndarray:
    """Sortable (subscription, time) key for as-of lookups with searchsorted."""
    return sub * (1 << 32) + (at - window.start + (1 << 28))


def _periods(subs: Subscriptions, window: Window) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every billing period that starts before the subscription stops: (sub, start, end), sorted
    by subscription then start."""
    months = subs.plan.interval
    stop = np.where(subs.ended_at != NONE, subs.ended_at, window.end)
    bound = np.maximum(stop - subs.paid_start, 0) // (28 * DAY * months) + 1
    bound[stop <= subs.paid_start] = 0
    sub = expand(bound)
    k = position_in_group(bound)
    start = add_months(subs.paid_start[sub], k * months[sub])
    keep = start < stop[sub]
    sub, k, start = sub[keep], k[keep], start[keep]
    return sub, start, add_months(subs.paid_start[sub], (k + 1) * subs.plan.interval[sub])


@dataclass
class _Prorations:
    """The credit and charge lines of the seat and tier changes made inside a period."""

    change: np.ndarray  # the version after the change
    period: np.ndarray  # the regular period the change falls in
    credit: np.ndarray  # minor units, negative: the unused time of the items before
    charge: np.ndarray  # the remaining time of the items after
    regular: np.ndarray  # the regular invoice that bills them, or NONE
    billed_at: np.ndarray  # when an invoice of their own bills them, else NONE


def _prorations(
    subs: Subscriptions, sub: np.ndarray, start: np.ndarray, end: np.ndarray, window: Window
) -> _Prorations:
    """Stripe bills a change as a pair of lines for the rest of the period: a credit for the
    items before it and a charge for the items after. Monthly plans collect them on the next
    invoice (Stripe's default), or on a final invoice when the subscription ends at that
    period's end; an immediate cancellation drops them and a running one keeps them pending.
    Yearly and quarterly plans invoice them at once (`proration_behavior: always_invoice`),
    so seats added mid-term are not billed a year late."""
    plan = subs.plan
    changed = np.flatnonzero(subs.kind == CHANGED)
    c_sub = subs.sub[changed]
    period = np.searchsorted(_key(sub, start, window), _key(c_sub, subs.at[changed], window))
    period = period - 1  # the last period starting before the change
    inside = period >= 0
    inside[inside] &= (sub[period[inside]] == c_sub[inside]) & (
        subs.at[changed[inside]] < end[period[inside]]
    )
    changed, c_sub, period = changed[inside], c_sub[inside], period[inside]
    at = subs.at[changed]
    share = (end[period] - at) / (end[period] - start[period])
    months, currency = plan.interval[c_sub], plan.currency[c_sub]
    before = changed - 1  # the previous version of the same subscription

    def remaining(version: np.ndarray) -> np.ndarray:
        unit = seat_unit_amount(subs.tier[version], currency, months, subs.version[version])
        return np.round(unit * subs.qty[version] * share).astype(np.int64)

    nxt = period + 1
    has_next = nxt < len(sub)
    has_next[has_next] &= sub[nxt[has_next]] == c_sub[has_next]
    monthly = months == 1
    final = monthly & ~has_next & (subs.ended_at[c_sub] == end[period])
    return _Prorations(
        change=changed,
        period=period,
        credit=-remaining(before),
        charge=remaining(changed),
        regular=np.where(monthly & has_next, nxt, NONE),
        billed_at=np.where(~monthly, at, np.where(final, end[period], NONE)),
    )


def make_invoices(subs: Subscriptions, companies: Companies, window: Window, seed: int) -> Invoices:
    rng = stream(seed, "invoices")
    plan = subs.plan
    sub, start, end = _periods(subs, window)
    n = len(sub)
    version_keys = _key(subs.sub, subs.at, window)
    in_force = np.searchsorted(version_keys, _key(sub, start, window), side="right") - 1
    months, currency = plan.interval[sub], plan.currency[sub]
    tier, version, qty = subs.tier[in_force], subs.version[in_force], subs.qty[in_force]
    plan_amount = seat_unit_amount(tier, currency, months, version) * qty
    addon = plan.addon[sub]
    addon_amount = addon_unit_amount(currency[addon], months[addon])

    pr = _prorations(subs, sub, start, end, window)
    billed = (pr.regular != NONE) | (pr.billed_at != NONE)
    pr = _Prorations(**{f.name: getattr(pr, f.name)[billed] for f in fields(_Prorations)})
    # Invoices of their own (prorations invoiced at once, final invoices): one per moment.
    own = pr.regular == NONE
    own_keys, own_invoice = np.unique(
        _key(subs.sub[pr.change[own]], pr.billed_at[own], window), return_inverse=True
    )
    own_sub = np.empty(len(own_keys), dtype=np.int64)
    own_at = np.empty(len(own_keys), dtype=np.int64)
    own_sub[own_invoice] = subs.sub[pr.change[own]]
    own_at[own_invoice] = pr.billed_at[own]
    proration_invoice = pr.regular.copy()
    proration_invoice[own] = n + own_invoice

    all_sub = np.concatenate([sub, own_sub])
    created = np.concatenate([start, own_at])
    period_end = np.concatenate([end, own_at])
    total_n = len(all_sub)

    # Sales-led subscriptions pay an onboarding fee on their first invoice, half the time.
    first = np.r_[True, sub[1:] != sub[:-1]] if n else np.zeros(0, dtype=bool)
    onboarding = np.flatnonzero(first & (plan.origin[sub] == ORIGIN_SALES) & (rng.random(n) < 0.5))
    addon_rows = np.flatnonzero(addon)
    m = len(pr.change)
    line_invoice = np.concatenate(
        [np.arange(n), addon_rows, proration_invoice, proration_invoice, onboarding]
    )
    line_kind = np.repeat(
        [LINE_PLAN, LINE_ADDON, LINE_PRORATION, LINE_PRORATION, LINE_ONBOARDING],
        [n, len(addon_rows), m, m, len(onboarding)],
    )
    before = pr.change - 1
    line_amount = np.concatenate(
        [plan_amount, addon_amount, pr.credit, pr.charge, ONBOARDING_FEE[tier[onboarding]] * 100]
    )
    line_qty = np.concatenate(
        [
            qty,
            np.ones(len(addon_rows), dtype=np.int64),
            subs.qty[before],
            subs.qty[pr.change],
            np.ones(len(onboarding), dtype=np.int64),
        ]
    )
    line_tier = np.concatenate(
        [tier, tier[addon_rows], subs.tier[before], subs.tier[pr.change], tier[onboarding]]
    )
    line_version = np.concatenate(
        [
            version,
            version[addon_rows],
            subs.version[before],
            subs.version[pr.change],
            version[onboarding],
        ]
    )
    change_at = subs.at[pr.change]
    line_start = np.concatenate([start, start[addon_rows], change_at, change_at, start[onboarding]])
    line_end = np.concatenate(
        [end, end[addon_rows], end[pr.period], end[pr.period], start[onboarding]]
    )

    subtotal = np.bincount(line_invoice, weights=line_amount, minlength=total_n).astype(np.int64)
    recurring = np.zeros(total_n)
    recurring[:n] = plan_amount + np.bincount(addon_rows, weights=addon_amount, minlength=n)
    discount = np.round(recurring * plan.discount[all_sub] / 100).astype(np.int64)
    country = companies.country[plan.company[all_sub]]
    tax = np.round((subtotal - discount) * COUNTRY_TAX_RATE[country]).astype(np.int64)

    # Invoices in the order Stripe creates them (their ids follow it); lines by invoice, then
    # kind, then the moment they bill from, credit before charge.
    order = np.lexsort((all_sub, created))
    rank = np.empty_like(order)
    rank[order] = np.arange(total_n)
    line_invoice = rank[line_invoice]
    line_order = np.lexsort((line_amount > 0, line_start, line_kind, line_invoice))
    all_sub, created, period_end = all_sub[order], created[order], period_end[order]
    subtotal, discount, tax = subtotal[order], discount[order], tax[order]
    status = _statuses(rng, subs, all_sub, created, window)
    total = subtotal - discount + tax
    return Invoices(
        sub=all_sub,
        period_start=created,
        period_end=period_end,
        subtotal=subtotal,
        discount=discount,
        tax=tax,
        total=total,
        status=status,
        line_invoice=line_invoice[line_order],
        line_kind=line_kind[line_order],
        line_amount=line_amount[line_order],
        line_qty=line_qty[line_order],
        line_tier=line_tier[line_order],
        line_version=line_version[line_order],
        line_start=line_start[line_order],
        line_end=line_end[line_order],
        **_credit_notes(rng, created, total, status, window),
    )


def _statuses(
    rng: np.random.Generator,
    subs: Subscriptions,
    sub: np.ndarray,
    created: np.ndarray,
    window: Window,
) -> np.ndarray:
    n = len(sub)
    status = np.full(n, PAID)
    draw = rng.random(n)
    status[draw < 0.006] = UNCOLLECTIBLE
    status[(draw >= 0.006) & (draw < 0.01)] = VOID
    past_due_at = np.full(len(subs.plan.start), NONE)
    late = subs.status == PAST_DUE_STATUS
    past_due_at[subs.sub[late]] = subs.at[late]
    overdue = (past_due_at[sub] != NONE) & (created >= past_due_at[sub] - 35 * DAY)
    recent = (created >= window.end - 6 * DAY) & (rng.random(n) < 0.7)
    status[overdue | recent] = OPEN
    return status


def _credit_notes(
    rng: np.random.Generator,
    created: np.ndarray,
    total: np.ndarray,
    status: np.ndarray,
    window: Window,
) -> dict[str, np.ndarray]:
    """A few credits on paid invoices: partial goodwill credits, sometimes a full refund."""
    n = len(created)
    when = created + rng.integers(DAY, 30 * DAY, n)
    eligible = np.flatnonzero((status == PAID) & (total > 0) & (when < window.end))
    # About 1.2% of paid invoices, and a couple even in a tiny sample so the table is never
    # empty (an empty export has no columns to check).
    count = max(rng.binomial(len(eligible), 0.012), min(2, len(eligible)))
    chosen = rng.choice(eligible, count, replace=False)
    chosen = chosen[np.argsort(when[chosen], kind="stable")]  # credit note ids in time order
    share = np.where(rng.random(len(chosen)) < 0.25, 1.0, rng.uniform(0.1, 0.5, len(chosen)))
    return {
        "credit_invoice": chosen,
        "credit_amount": np.round(total[chosen] * share).astype(np.int64),
        "credit_created": when[chosen],
        "credit_reason": rng.choice(len(CREDIT_REASONS), len(chosen), p=[0.3, 0.35, 0.3, 0.05]),
        "credit_void": rng.random(len(chosen)) < 0.05,
    }


def fx_rates(window: Window, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Business days (epoch day numbers) and EUR rates for USD and GBP, as (days, rates[:, 2]):
    a mean-reverting random walk around 0.92 and 1.17 EUR. Starts a week before the window so
    every date in it has a rate on or before it."""
    rng = stream(seed, "fx")
    days = np.arange(window.start // DAY - 7, window.end // DAY)
    days = days[(days + 3) % 7 < 5]
    centre = np.log([0.92, 1.17])
    level = np.empty((len(days), 2))
    current = centre.copy()
    shocks = rng.normal(0, 0.0035, (len(days), 2))
    for i in range(len(days)):  # ~800 business days: a loop over time, not over records
        current = current + 0.01 * (centre - current) + shocks[i]
        level[i] = current
    return days, np.exp(level)
