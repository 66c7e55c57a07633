"""Stripe customers and the life of every subscription, as a history of versions.

Each subscription is simulated from a plan (start, trial, tier, seats, interval): it may fail
its trial, expand or contract seats, move up a tier, ask to cancel (at period end, or right away
for some monthly ones), and a churned customer may come back months later with a new one. The
history is a table of versions, one per Stripe event, so invoices and MRR use the price in
force at the time.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from generator.accounts import AM, Companies, Owners
from generator.common import (
    APPROX_EUR_RATE,
    DAY,
    NONE,
    Window,
    add_months,
    expand,
    group_cumsum,
    is_last_in_group,
    stream,
    uniform_time,
    whole_months_between,
)
from generator.deals import Deals
from generator.funnel import Contacts
from generator.plans import (
    ORIGIN_REACTIVATION,
    ORIGIN_SELF_SERVE,
    Plan,
    Trials,
    installed_plan,
    sales_plan,
    self_serve_plan,
)
from generator.prices import addon_unit_amount, seat_unit_amount

MONTH = int(30.44 * DAY)
PRICE_CHANGE = int(np.datetime64("2025-07-01").astype("datetime64[s]").astype(np.int64))
# Event kinds, in the order Stripe emits them when two share a second.
CREATED, CONVERTED, CHANGED, CANCEL_REQUESTED, PAST_DUE, DELETED = range(6)
STATUSES = ("trialing", "active", "past_due", "canceled")
TRIALING, ACTIVE, PAST_DUE_STATUS, CANCELED = range(4)


@dataclass
class Subscriptions:
    customer_company: np.ndarray  # customers sorted by creation
    customer_created: np.ndarray
    plan: Plan  # one row per subscription, sorted by start
    customer: np.ndarray  # subscription -> customer
    paid_start: np.ndarray
    trial_end: np.ndarray  # NONE without trial
    request_at: np.ndarray  # the customer's decision to leave (health signals decay before it)
    ended_at: np.ndarray
    # versions: one row per Stripe event, sorted by subscription then time
    sub: np.ndarray
    at: np.ndarray
    kind: np.ndarray
    status: np.ndarray
    tier: np.ndarray
    qty: np.ndarray
    version: np.ndarray
    cancel_at_period_end: np.ndarray
    canceled_at: np.ndarray
    trials: Trials


@dataclass
class _Life:
    """What happens to each planned subscription, and its seat or tier changes."""

    paid_start: np.ndarray
    request_at: np.ndarray  # NONE: never asked to cancel inside the window
    ended_at: np.ndarray  # NONE: still running at the end of the window
    immediate: np.ndarray  # canceled at the request, not at period end
    past_due_at: np.ndarray
    change_sub: np.ndarray
    change_at: np.ndarray
    change_qty: np.ndarray
    change_tier: np.ndarray

    @classmethod
    def concat(cls, first: _Life, second: _Life, first_size: int) -> _Life:
        parts = {
            f.name: np.concatenate([getattr(first, f.name), getattr(second, f.name)])
            for f in fields(cls)
        }
        parts["change_sub"] = np.concatenate([first.change_sub, second.change_sub + first_size])
        return cls(**parts)


def _live(rng: np.random.Generator, plan: Plan, window: Window) -> _Life:
    n = len(plan.start)
    paid_start = plan.start + plan.trial_days * DAY
    failed = ~plan.converts
    lifetime = (rng.exponential(1 / plan.hazard) * MONTH).astype(np.int64)
    early = rng.integers(10 * DAY, 50 * DAY, n)
    request = paid_start + np.where(plan.early_churn, early, lifetime)
    request = np.where(failed | (request >= window.end), NONE, request)
    leaving = request != NONE
    immediate = leaving & (plan.interval == 1) & (rng.random(n) < 0.1)
    anchor_months = whole_months_between(paid_start, np.where(leaving, request, paid_start))
    period_end = add_months(paid_start, (anchor_months // plan.interval + 1) * plan.interval)
    ended = np.where(immediate, request, period_end)
    ended = np.where(failed, paid_start, np.where(leaving, ended, NONE))
    ended[ended >= window.end] = NONE

    # Seat and tier changes while the subscription runs; healthier accounts expand more.
    low = paid_start + 20 * DAY
    high = np.where(leaving, request, window.end)
    months = np.where(failed, 0.0, np.clip((high - low) / MONTH, 0.0, None))
    rates = np.column_stack(
        [
            0.06 * (0.3 + 1.4 * plan.fit),  # seats up
            np.full(n, 0.012),  # seats down
            np.where(plan.tier < 2, 0.009, 0.0),  # tier up
        ]
    )
    counts = rng.poisson(rates.sum(1) * months)
    sub = expand(counts)
    at = uniform_time(rng, low[sub], high[sub])
    kind = rng.random((len(sub), 1)) * rates[sub].sum(1, keepdims=True) > rates[sub].cumsum(1)
    kind = kind.sum(1)
    # Accounts that will leave shrink first: extra seat cuts in the four months before.
    shrinking = np.flatnonzero(leaving & ~plan.early_churn)
    cuts = rng.poisson(0.7, len(shrinking))
    cut_sub = shrinking[expand(cuts)]
    cut_low = np.maximum(low[cut_sub], request[cut_sub] - 120 * DAY)
    ok = cut_low < request[cut_sub]
    cut_sub, cut_low = cut_sub[ok], cut_low[ok]
    sub = np.concatenate([sub, cut_sub])
    at = np.concatenate([at, uniform_time(rng, cut_low, request[cut_sub])])
    kind = np.concatenate([kind, np.ones(len(cut_sub), dtype=np.int64)])
    # A seat reduction takes effect at the next renewal (no credit mid-period, as most B2B
    # contracts run); one that would come after the customer leaves never happens.
    cut = kind == 1
    period = whole_months_between(paid_start[sub[cut]], at[cut]) // plan.interval[sub[cut]]
    at[cut] = add_months(paid_start[sub[cut]], (period + 1) * plan.interval[sub[cut]])
    keep = at < high[sub]
    sub, at, kind = sub[keep], at[keep], kind[keep]
    q0 = plan.qty[sub]
    up = np.maximum(1, np.round(q0 * rng.uniform(0.1, 0.45, len(sub))))
    down = -np.maximum(1, np.round(q0 * rng.uniform(0.1, 0.3, len(sub))))
    change_qty = np.where(kind == 0, up, np.where(kind == 1, down, 0)).astype(np.int64)

    running = ~failed & ~leaving & (paid_start < window.end - 30 * DAY)
    past_due = running & (rng.random(n) < 0.025)
    past_due_at = np.where(past_due, window.end - rng.integers(DAY, 12 * DAY, n), NONE)
    return _Life(
        paid_start=paid_start,
        request_at=request,
        ended_at=ended,
        immediate=immediate,
        past_due_at=past_due_at,
        change_sub=sub,
        change_at=at,
        change_qty=change_qty,
        change_tier=(kind == 2).astype(np.int64),
    )


def _reactivations(rng: np.random.Generator, plan: Plan, life: _Life, window: Window) -> Plan:
    """Some churned customers subscribe again a few months later (reactivation MRR)."""
    churned = (life.ended_at != NONE) & plan.converts
    back = churned & (rng.random(len(churned)) < 0.12 + 0.2 * plan.fit)
    start = life.ended_at + rng.integers(60 * DAY, 270 * DAY, len(churned))
    again = plan.keep(back & (start < window.end - 5 * DAY))
    n = len(again.start)
    again.start = start[back & (start < window.end - 5 * DAY)]
    again.trial_days = np.zeros(n, dtype=np.int64)
    again.qty = np.maximum(1, np.round(again.qty * rng.uniform(0.6, 1.0, n))).astype(np.int64)
    again.interval = np.where(rng.random(n) < 0.7, 1, again.interval)
    again.discount = np.zeros(n, dtype=np.int64)
    again.early_churn = np.zeros(n, dtype=bool)
    again.origin = np.full(n, ORIGIN_REACTIVATION)
    return again


def make_subscriptions(
    companies: Companies, contacts: Contacts, deals: Deals, window: Window, seed: int
) -> Subscriptions:
    rng = stream(seed, "subscriptions")
    trials, self_serve = self_serve_plan(rng, companies, contacts, window)
    sales = sales_plan(rng, companies, deals, window)
    first = Plan.concat([installed_plan(rng, companies), self_serve, sales])
    first_life = _live(rng, first, window)
    again = _reactivations(rng, first, first_life, window)
    plan = Plan.concat([first, again])
    life = _Life.concat(first_life, _live(rng, again, window), len(first.start))

    # Stripe ids follow creation order: sort subscriptions by start, customers by first start.
    order = np.argsort(plan.start, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    plan = plan.keep(order)
    per_sub = {
        name: getattr(life, name)[order]
        for name in ("paid_start", "request_at", "ended_at", "immediate", "past_due_at")
    }
    companies_paying, first_sub = np.unique(plan.company, return_index=True)
    by_creation = np.argsort(first_sub, kind="stable")
    customer_company = companies_paying[by_creation]
    customer_of_company = np.full(len(companies), NONE)
    customer_of_company[customer_company] = np.arange(len(customer_company))
    versions = _versions(plan, per_sub, life, rank, window)
    _mark_customers(contacts, plan, per_sub["paid_start"], window)
    return Subscriptions(
        customer_company=customer_company,
        customer_created=plan.start[np.sort(first_sub)],
        plan=plan,
        customer=customer_of_company[plan.company],
        paid_start=per_sub["paid_start"],
        trial_end=np.where(plan.trial_days > 0, per_sub["paid_start"], NONE),
        request_at=per_sub["request_at"],
        ended_at=per_sub["ended_at"],
        trials=trials,
        **versions,
    )


def _versions(
    plan: Plan, per_sub: dict[str, np.ndarray], life: _Life, rank: np.ndarray, window: Window
) -> dict[str, np.ndarray]:
    """One row per Stripe event with the full subscription state after it."""
    n = len(plan.start)
    ids = np.arange(n)
    paid, request, ended = per_sub["paid_start"], per_sub["request_at"], per_sub["ended_at"]
    trial = plan.trial_days > 0
    failed = ~plan.converts
    request_ok = (request != NONE) & ~per_sub["immediate"]
    past_due = per_sub["past_due_at"] != NONE
    parts = [
        (ids, plan.start, CREATED),
        (ids[trial & ~failed], paid[trial & ~failed], CONVERTED),
        (rank[life.change_sub], life.change_at, CHANGED),
        (ids[request_ok], request[request_ok], CANCEL_REQUESTED),
        (ids[past_due], per_sub["past_due_at"][past_due], PAST_DUE),
        (ids[ended != NONE], ended[ended != NONE], DELETED),
    ]
    sub = np.concatenate([p[0] for p in parts])
    at = np.concatenate([p[1] for p in parts])
    kind = np.concatenate([np.full(len(p[0]), p[2]) for p in parts])
    change = np.zeros((len(sub), 2), dtype=np.int64)
    change[kind == CHANGED] = np.column_stack([life.change_qty, life.change_tier])
    order = np.lexsort((kind, at, sub))
    sub, at, kind, change = sub[order], at[order], kind[order], change[order]
    keep = at < window.end
    sub, at, kind, change = sub[keep], at[keep], kind[keep], change[keep]

    status_by_kind = np.array([-1, ACTIVE, -1, -1, PAST_DUE_STATUS, CANCELED])
    status = status_by_kind[kind]
    status[kind == CREATED] = np.where(trial[sub[kind == CREATED]], TRIALING, ACTIVE)
    carried = np.maximum.accumulate(np.where(status >= 0, np.arange(len(status)), 0))
    status = status[carried]
    qty = np.maximum(1, plan.qty[sub] + group_cumsum(change[:, 0], sub))
    tier = np.minimum(2, plan.tier[sub] + group_cumsum(change[:, 1], sub))
    # New list prices from mid-2025 for new subscriptions and for tier moves after that date;
    # existing subscriptions keep their price (grandfathered).
    new_list = ((kind == CREATED) | (change[:, 1] > 0)) & (at >= PRICE_CHANGE)
    version = np.maximum.accumulate(new_list + 2 * sub) - 2 * sub
    cancel_flag = group_cumsum((kind == CANCEL_REQUESTED).astype(np.int64), sub) > 0
    canceled_at = np.where(failed, paid, np.where(per_sub["immediate"], ended, request))[sub]
    canceled_at = np.where((canceled_at != NONE) & (at >= canceled_at), canceled_at, NONE)
    same_sub = np.r_[False, sub[1:] == sub[:-1]]
    unchanged = (qty == np.r_[0, qty[:-1]]) & (tier == np.r_[0, tier[:-1]])
    keep = ~((kind == CHANGED) & same_sub & unchanged)
    return {
        "sub": sub[keep],
        "at": at[keep],
        "kind": kind[keep],
        "status": status[keep],
        "tier": tier[keep],
        "qty": qty[keep],
        "version": version[keep],
        "cancel_at_period_end": cancel_flag[keep],
        "canceled_at": canceled_at[keep],
    }


def _mark_customers(contacts: Contacts, plan: Plan, paid_start: np.ndarray, window: Window) -> None:
    """Self-serve sign-ups become customers in the CRM at their first paid day (Stripe sync)."""
    paying = (plan.origin == ORIGIN_SELF_SERVE) & plan.converts & (paid_start < window.end)
    contact = contacts.company_offsets[plan.company[paying]]
    contacts.customer_at[contact] = np.where(
        contacts.customer_at[contact] == NONE, paid_start[paying], contacts.customer_at[contact]
    )


def current_state(subs: Subscriptions) -> np.ndarray:
    """Index of each subscription's latest version (its state at the end of the window)."""
    return np.flatnonzero(is_last_in_group(subs.sub))


def version_mrr(subs: Subscriptions) -> np.ndarray:
    """Monthly recurring revenue of every version in minor units of its currency: seats and
    add-on normalised to a month, after the discount; zero while trialing or once canceled."""
    plan = subs.plan
    sub = subs.sub
    months = plan.interval[sub]
    per_interval = seat_unit_amount(subs.tier, plan.currency[sub], months, subs.version) * subs.qty
    per_interval += plan.addon[sub] * addon_unit_amount(plan.currency[sub], months)
    paying = (subs.status == ACTIVE) | (subs.status == PAST_DUE_STATUS)
    return np.where(paying, per_interval / months * (1 - plan.discount[sub] / 100), 0.0)


def set_manager_quotas(subs: Subscriptions, owners: Owners, window: Window) -> None:
    """Account managers carry an expansion quota: the ARR the base adds per quarter, shared."""
    mrr_eur = version_mrr(subs) * APPROX_EUR_RATE[subs.plan.currency[subs.sub]] / 100
    previous = np.r_[0.0, mrr_eur[:-1]]
    expansion = (subs.kind == CHANGED) & (mrr_eur > previous)
    arr = 12 * (mrr_eur - previous)[expansion].sum()
    managers = np.flatnonzero(owners.role == AM)
    per_quarter = arr / (window.days / 91.3) / len(managers) / 0.9
    owners.quota_eur[managers] = max(round(per_quarter / 1_000) * 1_000, 1_000)
