"""Stripe invoices, invoice lines and credit notes, derived from the subscription versions.

One invoice per billing period, issued at the period start (in advance, as Stripe does), with
the price and seats in force at that moment; a seat or tier change inside a period adds a
proration line to the next invoice; sales-led subscriptions pay a one-off onboarding fee.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    """Every billing period that starts before the subscription stops: (sub, start, end)."""
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


def make_invoices(subs: Subscriptions, companies: Companies, window: Window, seed: int) -> Invoices:
    rng = stream(seed, "invoices")
    plan = subs.plan
    sub, start, end = _periods(subs, window)
    order = np.lexsort((sub, start))
    sub, start, end = sub[order], start[order], end[order]
    n = len(sub)
    version_keys = _key(subs.sub, subs.at, window)
    in_force = np.searchsorted(version_keys, _key(sub, start, window), side="right") - 1
    months, currency = plan.interval[sub], plan.currency[sub]
    tier, version, qty = subs.tier[in_force], subs.version[in_force], subs.qty[in_force]
    plan_amount = seat_unit_amount(tier, currency, months, version) * qty
    addon = plan.addon[sub]
    addon_amount = addon_unit_amount(currency[addon], months[addon])

    # Prorations: a change inside a period is billed (or credited) on the next invoice.
    changed = np.flatnonzero(subs.kind == CHANGED)
    c_sub = subs.sub[changed]
    before = changed - 1  # the previous version of the same subscription
    delta_unit = (
        seat_unit_amount(
            subs.tier[changed], plan.currency[c_sub], plan.interval[c_sub], subs.version[changed]
        )
        * subs.qty[changed]
        - seat_unit_amount(
            subs.tier[before], plan.currency[c_sub], plan.interval[c_sub], subs.version[before]
        )
        * subs.qty[before]
    )
    invoice_keys = _key(sub, start, window)
    period = np.searchsorted(invoice_keys, _key(c_sub, subs.at[changed], window), side="right") - 1
    nxt = period + 1
    valid = (period >= 0) & (nxt < n)
    valid[valid] &= (sub[period[valid]] == c_sub[valid]) & (sub[nxt[valid]] == c_sub[valid])
    changed, period, nxt, delta_unit = changed[valid], period[valid], nxt[valid], delta_unit[valid]
    share = (end[period] - subs.at[changed]) / (end[period] - start[period])
    proration = np.round(delta_unit * share).astype(np.int64)

    first = np.r_[True, sub[1:] != sub[:-1]] if n else np.zeros(0, dtype=bool)
    onboarding = np.flatnonzero(first & (plan.origin[sub] == ORIGIN_SALES) & (rng.random(n) < 0.5))
    # Lines are collected per kind, then sorted by invoice (subscription lines first).
    addon_rows = np.flatnonzero(addon)
    line_invoice = np.concatenate([np.arange(n), addon_rows, nxt, onboarding])
    line_kind = np.repeat(
        [LINE_PLAN, LINE_ADDON, LINE_PRORATION, LINE_ONBOARDING],
        [n, len(addon_rows), len(nxt), len(onboarding)],
    )
    line_amount = np.concatenate(
        [
            plan_amount,
            addon_amount,
            proration,
            ONBOARDING_FEE[tier[onboarding]] * 100,
        ]
    )
    line_qty = np.concatenate(
        [
            qty,
            np.ones(len(addon_rows), dtype=np.int64),
            subs.qty[changed],
            np.ones(len(onboarding), dtype=np.int64),
        ]
    )
    line_tier = np.concatenate([tier, tier[addon_rows], subs.tier[changed], tier[onboarding]])
    line_version = np.concatenate(
        [version, version[addon_rows], subs.version[changed], version[onboarding]]
    )
    line_start = np.concatenate([start, start[addon_rows], subs.at[changed], start[onboarding]])
    line_end = np.concatenate([end, end[addon_rows], end[period], start[onboarding]])
    line_order = np.lexsort((line_kind, line_invoice))

    subtotal = np.bincount(line_invoice, weights=line_amount, minlength=n).astype(np.int64)
    recurring = plan_amount + np.bincount(addon_rows, weights=addon_amount, minlength=n)
    discount = np.round(recurring * plan.discount[sub] / 100).astype(np.int64)
    country = companies.country[plan.company[sub]]
    tax = np.round((subtotal - discount) * COUNTRY_TAX_RATE[country]).astype(np.int64)
    status = _statuses(rng, subs, sub, start, window)
    invoices = Invoices(
        sub=sub,
        period_start=start,
        period_end=end,
        subtotal=subtotal,
        discount=discount,
        tax=tax,
        total=subtotal - discount + tax,
        status=status,
        line_invoice=line_invoice[line_order],
        line_kind=line_kind[line_order],
        line_amount=line_amount[line_order],
        line_qty=line_qty[line_order],
        line_tier=line_tier[line_order],
        line_version=line_version[line_order],
        line_start=line_start[line_order],
        line_end=line_end[line_order],
        **_credit_notes(rng, start, subtotal - discount + tax, status, window),
    )
    return invoices


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
