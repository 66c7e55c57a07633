"""Customer success: support tickets, NPS and onboarding CSAT answers, CSM/AM touch points.

Accounts on their way out open more (and more urgent) tickets and answer NPS surveys badly in
the months before they ask to cancel, so a health score built on these signals predicts churn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from generator.accounts import Companies
from generator.activities import Activities
from generator.common import (
    DAY,
    HOUR,
    NONE,
    Window,
    choice,
    expand,
    lognormal_seconds,
    stream,
    uniform_time,
    working_time,
)
from generator.funnel import Contacts, pick_contact
from generator.plans import ORIGIN_REACTIVATION
from generator.subscriptions import Subscriptions

PRIORITIES = ("low", "normal", "high", "urgent")
TICKET_STATUSES = ("new", "open", "pending", "solved", "closed")
NEW, OPEN, PENDING, SOLVED, CLOSED = range(5)
SUBJECTS = (
    "Cannot export report",
    "Dashboard loads slowly",
    "Question about our invoice",
    "Integration sync failing",
    "How do I set up alerts?",
    "SSO configuration",
    "API rate limit reached",
    "Add more seats",
    "Forecast numbers look wrong",
    "User cannot log in",
)
SURVEYS = ("nps", "onboarding_csat")
RISK_DAYS = 90  # how long before a cancellation request the signals turn bad


@dataclass
class Success:
    ticket_company: np.ndarray  # sorted by creation
    ticket_requester: np.ndarray
    ticket_priority: np.ndarray
    ticket_status: np.ndarray
    ticket_subject: np.ndarray
    ticket_created: np.ndarray
    ticket_updated: np.ndarray
    ticket_solved: np.ndarray
    survey_kind: np.ndarray  # sorted by response time
    survey_company: np.ndarray
    survey_contact: np.ndarray
    survey_score: np.ndarray
    survey_at: np.ndarray


def _paid_spans(subs: Subscriptions, window: Window) -> tuple[np.ndarray, ...]:
    """Per paying subscription: (sub, start, stop, risk_from), risk_from NONE when staying."""
    stop = np.where(subs.ended_at != NONE, subs.ended_at, window.end)
    ok = subs.plan.converts & (subs.paid_start < stop)
    sub = np.flatnonzero(ok)
    request = subs.request_at[sub]
    risk = np.where(request != NONE, request - RISK_DAYS * DAY, NONE)
    return sub, subs.paid_start[sub], stop[sub], risk


def _tickets(
    rng: np.random.Generator, subs: Subscriptions, contacts: Contacts, window: Window
) -> dict[str, np.ndarray]:
    sub, start, stop, risk = _paid_spans(subs, window)
    monthly = 0.25 * (1 + np.log1p(subs.plan.qty[sub]) / 2)
    # Two stretches per subscription: normal life, then the risky months before leaving.
    calm_stop = np.where(risk != NONE, np.clip(risk, start, stop), stop)
    spans = [(start, calm_stop, 1.0), (calm_stop, stop, 2.5)]
    rows, at, risky = [], [], []
    for low, high, factor in spans:
        counts = rng.poisson(monthly * factor * np.maximum(high - low, 0) / (30 * DAY))
        parent = expand(counts)
        rows.append(sub[parent])
        at.append(working_time(rng, uniform_time(rng, low[parent], high[parent])))
        risky.append(np.full(len(parent), factor > 1))
    t_sub, created, risky_row = np.concatenate(rows), np.concatenate(at), np.concatenate(risky)
    keep = created < window.end
    t_sub, created, risky_row = t_sub[keep], created[keep], risky_row[keep]
    n = len(created)
    priority = np.where(
        risky_row, choice(rng, (0.1, 0.4, 0.3, 0.2), n), choice(rng, (0.22, 0.55, 0.17, 0.06), n)
    )
    company = subs.plan.company[t_sub]
    solve_hours = np.array([60.0, 30.0, 12.0, 4.0])[priority]
    solved = created + lognormal_seconds(rng, solve_hours * HOUR, 1.0, n)
    stuck = rng.random(n) < 0.01  # a few tickets wait on the customer forever
    is_solved = (solved < window.end) & ~stuck
    closed = is_solved & (solved + 4 * DAY < window.end)
    status = np.where(closed, CLOSED, np.where(is_solved, SOLVED, NEW))
    waiting = ~is_solved
    status[waiting] = np.where(
        created[waiting] > window.end - DAY, NEW, choice(rng, (0, 0.6, 0.4), int(waiting.sum()))
    )
    last_touch = np.minimum(created + lognormal_seconds(rng, 6 * HOUR, 1.0, n), window.end - 1)
    updated = np.where(closed, solved + 4 * DAY, np.where(is_solved, solved, last_touch))
    order = np.argsort(created, kind="stable")
    fields = {
        "ticket_company": company,
        "ticket_requester": pick_contact(rng, contacts, company, created),
        "ticket_priority": priority,
        "ticket_status": status,
        "ticket_subject": rng.integers(0, len(SUBJECTS), n),
        "ticket_created": created,
        "ticket_updated": np.maximum(updated, created),
        "ticket_solved": np.where(is_solved, solved, NONE),
    }
    return {k: v[order] for k, v in fields.items()}


def _surveys(
    rng: np.random.Generator, subs: Subscriptions, contacts: Contacts, window: Window
) -> dict[str, np.ndarray]:
    sub, start, stop, risk = _paid_spans(subs, window)
    fit = subs.plan.fit[sub]
    # NPS every four months from the second month on; about 45% of the mails get an answer.
    waves = np.maximum((stop - start - 45 * DAY) // (120 * DAY) + 1, 0)
    parent = expand(waves)
    wave_at = (
        start[parent]
        + 45 * DAY
        + (np.arange(len(parent)) - np.repeat(np.cumsum(waves) - waves, waves)) * 120 * DAY
    )
    answers = rng.binomial(3, 0.45, len(parent))
    nps_parent = parent[expand(answers)]
    nps_at = working_time(
        rng, np.repeat(wave_at, answers) + rng.integers(0, 5 * DAY, answers.sum())
    )
    at_risk = (risk[nps_parent] != NONE) & (nps_at >= risk[nps_parent])
    mean = np.where(at_risk, 4.0, 6.8 + 2.6 * fit[nps_parent])
    nps = np.clip(np.round(rng.normal(mean, 1.7)), 0, 10)
    # Onboarding CSAT a month after a new customer starts paying.
    new = np.flatnonzero(
        (subs.plan.origin[sub] != ORIGIN_REACTIVATION) & (rng.random(len(sub)) < 0.7)
    )
    csat_at = working_time(rng, start[new] + rng.integers(25 * DAY, 40 * DAY, len(new)))
    csat_mean = np.where(subs.plan.early_churn[sub[new]], 2.6, 3.6 + 1.2 * fit[new])
    csat = np.clip(np.round(rng.normal(csat_mean, 0.7)), 1, 5)
    kind = np.r_[np.zeros(len(nps_parent), dtype=np.int64), np.ones(len(new), dtype=np.int64)]
    survey_sub = np.r_[sub[nps_parent], sub[new]]
    at = np.r_[nps_at, csat_at]
    keep = (at < window.end) & (at < np.r_[stop[nps_parent], stop[new]] + 30 * DAY)
    company = subs.plan.company[survey_sub]
    fields = {
        "survey_kind": kind,
        "survey_company": company,
        "survey_contact": pick_contact(rng, contacts, company, at),
        "survey_score": np.r_[nps, csat].astype(np.int64),
        "survey_at": at,
    }
    order = np.argsort(at[keep], kind="stable")
    return {k: v[keep][order] for k, v in fields.items()}


def make_success(subs: Subscriptions, contacts: Contacts, window: Window, seed: int) -> Success:
    rng = stream(seed, "success")
    return Success(**_tickets(rng, subs, contacts, window), **_surveys(rng, subs, contacts, window))


def account_activities(
    subs: Subscriptions,
    companies: Companies,
    contacts: Contacts,
    company_owner: np.ndarray,
    window: Window,
    seed: int,
) -> Activities:
    """The account owner's check-ins with paying customers: a business review each quarter
    for larger accounts, and emails or calls now and then for everyone."""
    rng = stream(seed, "account-activities")
    sub, start, stop, _ = _paid_spans(subs, window)
    company = subs.plan.company[sub]
    segment = companies.segment[company]
    monthly = np.array([0.3, 0.8, 1.4])[segment]
    counts = rng.poisson(monthly * (stop - start) / (30 * DAY))
    parent = expand(counts)
    at = working_time(rng, uniform_time(rng, start[parent], stop[parent]))
    kind = np.where(
        segment[parent] > 0,
        choice(rng, (0.3, 0.45, 0.25), len(parent)),
        choice(rng, (0.35, 0.65, 0.0), len(parent)),
    )
    c = company[parent]
    activities = Activities.build(
        kind=kind,
        at=at,
        owner=company_owner[c],
        company=c,
        contact=pick_contact(rng, contacts, c, at),
    )
    return activities.keep(activities.at < window.end)
