"""Segment-style product analytics: workspaces of trial and paying accounts, their users, and
track events (sign-ups, logins, feature use, dashboards).

Usage follows the subscriptions: workspaces are active while on trial or paying, accounts that
decided to leave use the product less in the months before (so a health score can see churn
coming), and early churners never really adopt it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dagster_project.source_catalog import TRACK_EVENTS
from generator.accounts import Companies
from generator.common import (
    DAY,
    HOUR,
    NONE,
    Window,
    choice,
    expand,
    lognormal_seconds,
    offsets,
    position_in_group,
    stream,
    uniform_time,
)
from generator.funnel import Contacts
from generator.subscriptions import (
    ACTIVE,
    PAST_DUE_STATUS,
    TRIALING,
    Subscriptions,
    current_state,
)

EVENTS = TRACK_EVENTS
SIGNED_UP, LOGGED_IN, FEATURE_USED, DASHBOARD_CREATED = range(4)
FEATURES = (
    "reports",
    "dashboards",
    "alerts",
    "integrations",
    "forecasting",
    "exports",
    "automation",
    "api",
)
EVENTS_PER_ACCOUNT = 500  # the brief's volume: ~500 track events per CRM account
DECLINE_DAYS = 75  # usage fades this long before a customer asks to cancel
CHUNK_EVENTS = 2_000_000


@dataclass
class Workspaces:
    company: np.ndarray  # sorted by creation
    created: np.ndarray
    plan: np.ndarray  # index into prices.WORKSPACE_PLANS
    seats_paid: np.ndarray
    feature_order: np.ndarray  # (n, 8) the order in which the workspace adopts features
    feature_count: np.ndarray


@dataclass
class Activity:
    """Stretches of time a workspace is in use."""

    ws: np.ndarray
    start: np.ndarray
    stop: np.ndarray
    decline_from: np.ndarray  # NONE unless the account is on its way out
    intensity: np.ndarray


@dataclass
class Product:
    workspaces: Workspaces
    user_ws: np.ndarray
    user_created: np.ndarray
    user_contact: np.ndarray  # NONE for users unknown to the CRM
    event: np.ndarray  # track events, sorted by time
    user: np.ndarray
    feature: np.ndarray  # index into FEATURES, NONE unless Feature Used
    at: np.ndarray
    received_at: np.ndarray
    activity: Activity

    @property
    def event_ws(self) -> np.ndarray:
        return self.user_ws[self.user]


def _workspaces(
    rng: np.random.Generator, subs: Subscriptions, companies: Companies
) -> tuple[Workspaces, np.ndarray]:
    """One workspace per account that tried or bought the product; returns the workspaces and
    the workspace of every company (NONE when it has none)."""
    trials = subs.trials
    no_trial = ~np.isin(subs.customer_company, trials.company)
    company = np.concatenate([trials.company, subs.customer_company[no_trial]])
    created = np.concatenate([trials.start, subs.customer_created[no_trial]])
    order = np.argsort(created, kind="stable")
    company, created = company[order], created[order]
    n = len(company)
    ws_of_company = np.full(len(companies), NONE)
    ws_of_company[company] = np.arange(n)

    plan, seats = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    latest = current_state(subs)  # subscriptions are sorted by start: the last one wins
    ws = ws_of_company[subs.plan.company]
    state, tier, qty = subs.status[latest], subs.tier[latest], subs.qty[latest]
    paying = (state == ACTIVE) | (state == PAST_DUE_STATUS)
    ever_paid = subs.plan.converts & (state != TRIALING)
    plan[ws[ever_paid]] = tier[ever_paid] + 1
    seats[ws[paying]] = qty[paying]

    feature_order = np.argsort(rng.random((n, len(FEATURES))), axis=1)
    base = np.where(plan == 0, 1, plan + 1)
    feature_count = np.minimum(base + rng.binomial(3, 0.5, n), len(FEATURES))
    converted = np.zeros(n, dtype=bool)
    converted[ws[ever_paid]] = True
    trial_only = ~converted
    feature_count[trial_only] = 1 + rng.binomial(2, 0.4, int(trial_only.sum()))
    return Workspaces(company, created, plan, seats, feature_order, feature_count), ws_of_company


def _activity(
    rng: np.random.Generator, subs: Subscriptions, ws_of_company: np.ndarray, window: Window
) -> Activity:
    plan = subs.plan
    failed = ~plan.converts
    stop = np.where(subs.ended_at != NONE, subs.ended_at + failed * 3 * DAY, window.end)
    leaving = (subs.request_at != NONE) & ~plan.early_churn
    decline = np.where(leaving, subs.request_at - DECLINE_DAYS * DAY, NONE)
    intensity = np.where(plan.early_churn, 0.3, 1.0) * np.where(failed, 0.6, 1.0)
    trials = subs.trials
    product_only = ~trials.in_stripe
    t_start = trials.start[product_only]
    ws = np.concatenate([ws_of_company[plan.company], ws_of_company[trials.company[product_only]]])
    start = np.concatenate([plan.start, t_start])
    stop = np.minimum(np.concatenate([stop, t_start + 21 * DAY]), window.end)
    n_trials = len(t_start)
    order = np.lexsort((start, ws))
    activity = Activity(
        ws=ws,
        start=start,
        stop=stop,
        decline_from=np.concatenate([decline, np.full(n_trials, NONE)]),
        intensity=np.concatenate([intensity, np.full(n_trials, 0.6)]),
    )
    return Activity(*(getattr(activity, k)[order] for k in activity.__dataclass_fields__))


def _users(
    rng: np.random.Generator,
    workspaces: Workspaces,
    activity: Activity,
    subs: Subscriptions,
    contacts: Contacts,
    ws_of_company: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n_ws = len(workspaces.company)
    seats = np.zeros(n_ws)
    np.maximum.at(seats, ws_of_company[subs.plan.company], subs.plan.qty)
    counts = np.where(
        seats > 0,
        np.clip(np.round(seats * rng.uniform(0.5, 0.95, n_ws)), 1, 300),
        1 + rng.poisson(1.5, n_ws),
    ).astype(np.int64)
    first_stop = np.full(n_ws, np.iinfo(np.int64).max)
    np.minimum.at(first_stop, activity.ws, activity.stop)
    last_stop = np.zeros(n_ws, dtype=np.int64)
    np.maximum.at(last_stop, activity.ws, activity.stop)
    ws = expand(counts)
    rank = position_in_group(counts)
    created = workspaces.created[ws]
    span = np.maximum(first_stop[ws] - created, 1)
    offset = lognormal_seconds(rng, 8 * DAY, 1.0, len(ws))
    offset = np.where(offset < span, offset, (rng.random(len(ws)) * span).astype(np.int64))
    user_created = np.where(rank == 0, created, created + offset)
    # The first users are the account's CRM contacts (the sign-up is the first contact).
    company = workspaces.company[ws]
    n_contacts = np.diff(contacts.company_offsets)[company]
    contact = contacts.company_offsets[company] + rank
    linked = (rank < n_contacts) & ((rank == 0) | (rng.random(len(ws)) < 0.65))
    contact = np.where(linked, contact, NONE)
    contact_created = np.where(linked, contacts.created[np.maximum(contact, 0)], 0)
    linked &= contact_created < last_stop[ws] - DAY
    user_created = np.where(linked, np.maximum(user_created, contact_created), user_created)
    return ws, user_created, np.where(linked, contact, NONE)


def make_product(
    subs: Subscriptions, companies: Companies, contacts: Contacts, window: Window, seed: int
) -> Product:
    rng = stream(seed, "product")
    workspaces, ws_of_company = _workspaces(rng, subs, companies)
    activity = _activity(rng, subs, ws_of_company, window)
    user_ws, user_created, user_contact = _users(
        rng, workspaces, activity, subs, contacts, ws_of_company
    )
    fit = companies.fit[workspaces.company]
    engagement = np.exp(rng.normal(0, 0.45, len(fit))) * (0.5 + fit)
    user_activity = np.exp(rng.normal(0, 0.8, len(user_ws)))
    user_activity[rng.random(len(user_ws)) < 0.15] *= 0.05  # seats nobody really uses

    # Pair every user with the activity stretches of its workspace.
    per_ws = np.bincount(activity.ws, minlength=len(fit))
    first = offsets(per_ws)
    pair_user = expand(per_ws[user_ws])
    pair_act = first[user_ws[pair_user]] + position_in_group(per_ws[user_ws])
    low = np.maximum(user_created[pair_user], activity.start[pair_act])
    high = activity.stop[pair_act]
    ok = high > low
    pair_user, pair_act, low, high = pair_user[ok], pair_act[ok], low[ok], high[ok]
    weight = (
        engagement[user_ws[pair_user]] * user_activity[pair_user] * activity.intensity[pair_act]
    )
    expected = weight * (high - low) / DAY
    signups = int((user_created < window.end).sum())
    target = max(EVENTS_PER_ACCOUNT * len(companies) - signups, 0)
    # Weekend events are mostly dropped and declining accounts thinned: aim a bit higher.
    rate = target / max(expected.sum(), 1e-9) * 1.35
    counts = rng.poisson(expected * rate)
    # Events are drawn a few million at a time: arrays that small are recycled by the
    # allocator, where whole-run temporaries cost seconds of page faults.
    bounds = np.searchsorted(np.cumsum(counts), np.arange(CHUNK_EVENTS, counts.sum(), CHUNK_EVENTS))
    chunks = [
        _track_events(
            rng,
            workspaces,
            activity,
            user_ws,
            pair_user[p],
            pair_act[p],
            low[p],
            high[p],
            counts[p],
        )
        for p in np.split(np.arange(len(counts)), bounds)
    ]
    user, at, kind, feature = (np.concatenate([c[i] for c in chunks]) for i in range(4))
    sign_user = np.flatnonzero(user_created < window.end)
    dash_ws, dash_at = _activation(rng, workspaces, activity, window)
    dash_user = np.searchsorted(user_ws, dash_ws)  # the workspace's first user
    small = np.int8
    all_event = np.concatenate(
        [
            np.full(len(sign_user), SIGNED_UP, dtype=small),
            kind,
            np.full(len(dash_ws), DASHBOARD_CREATED, dtype=small),
        ]
    )
    all_user = np.concatenate([sign_user, user, dash_user]).astype(np.int32)
    all_at = np.concatenate([user_created[sign_user], at, dash_at])
    all_feature = np.concatenate(
        [
            np.full(len(sign_user), NONE, dtype=small),
            feature,
            np.full(len(dash_ws), NONE, dtype=small),
        ]
    )
    order = np.argsort(all_at, kind="stable")  # ties keep user order: deterministic
    delay = lognormal_seconds(rng, 1.2, 1.0, len(order))
    late = rng.random(len(order)) < 0.01  # offline devices flush their queue hours later
    delay[late] += rng.integers(60, 6 * HOUR, int(late.sum()))
    return Product(
        workspaces=workspaces,
        user_ws=user_ws,
        user_created=user_created,
        user_contact=user_contact,
        event=all_event[order],
        user=all_user[order],
        feature=all_feature[order],
        at=all_at[order],
        received_at=all_at[order] + delay,
        activity=activity,
    )


def _track_events(
    rng: np.random.Generator,
    workspaces: Workspaces,
    activity: Activity,
    user_ws: np.ndarray,
    pair_user: np.ndarray,
    pair_act: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    counts: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Logins and feature use of (user, activity stretch) pairs: (user, at, event, feature)."""
    e_pair = expand(counts)
    at = uniform_time(rng, low[e_pair], high[e_pair])
    at = _office_hours(rng, at, low[e_pair], high[e_pair])
    act = pair_act[e_pair]
    declining = (activity.decline_from[act] != NONE) & (at >= activity.decline_from[act])
    weekend = ((at // DAY) + 3) % 7 >= 5
    keep = ~(weekend & (rng.random(len(at)) < 0.7)) & ~(declining & (rng.random(len(at)) < 0.7))
    user = pair_user[e_pair][keep].astype(np.int32)  # narrow types: 10M+ rows each
    at, declining = at[keep], declining[keep]
    ws = user_ws[user]
    kind = choice(rng, (0.0, 0.42, 0.55, 0.03), len(at)).astype(np.int8)
    # Leaving accounts log in to export, but stop exploring features.
    kind[declining & (kind == FEATURE_USED) & (rng.random(len(at)) < 0.5)] = LOGGED_IN
    pick = (workspaces.feature_count[ws] * rng.random(len(at)) ** 1.6).astype(np.int64)
    pick[declining] = 0
    feature = np.where(kind == FEATURE_USED, workspaces.feature_order[ws, pick], NONE)
    return user, at, kind, feature.astype(np.int8)


def _office_hours(
    rng: np.random.Generator, at: np.ndarray, low: np.ndarray, high: np.ndarray
) -> np.ndarray:
    """Same day, at a working hour (about 07:00-19:00 UTC), kept inside [low, high)."""
    hours = np.clip(rng.normal(12.5, 2.6, len(at)), 6.0, 20.0)
    shaped = (at // DAY) * DAY + (hours * HOUR).astype(np.int64)
    return np.clip(shaped, low, high - 1)


def _activation(
    rng: np.random.Generator,
    workspaces: Workspaces,
    activity: Activity,
    window: Window,
) -> tuple[np.ndarray, np.ndarray]:
    """Workspaces that activate create 2-3 dashboards within their first two weeks."""
    n = len(workspaces.company)
    converted = workspaces.plan > 0
    share = np.where(converted, 0.55, 0.12)
    activating = np.flatnonzero(rng.random(n) < share)
    counts = 2 + (rng.random(len(activating)) < 0.4)
    ws = activating[expand(counts)]
    first_stop = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first_stop, activity.ws, activity.stop)
    created = workspaces.created[ws]
    high = np.minimum(created + 13 * DAY, first_stop[ws])
    at = uniform_time(rng, created + HOUR, np.maximum(high, created + HOUR + 1))
    keep = at < window.end
    return ws[keep], at[keep]
