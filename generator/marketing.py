"""Marketing exports: campaigns and their monthly spend, email events, page views, forms.

Every MQL gets a burst of high-intent activity around its MQL moment: a pricing page view in
the same session, then a demo-request or contact-sales form, which is the MQL moment,
sometimes another pricing view right after.
Everyone else browses lightly (blog, home, docs...), which keeps their trailing 90-day lead
score well under the MQL threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from generator.common import (
    APPROX_EUR_RATE,
    DAY,
    HOUR,
    MINUTE,
    NONE,
    Window,
    add_months,
    choice,
    expand,
    lognormal_seconds,
    stream,
    uniform_time,
    working_time,
)
from generator.funnel import DEMO_REQUEST, Contacts
from generator.subscriptions import Subscriptions

CHANNELS = ("paid_search", "paid_social", "email", "events", "content", "partner")
EMAIL_CHANNEL = 2
CHANNEL_SPEND_WEIGHT = np.array([1.0, 0.8, 0.05, 1.5, 0.3, 0.6])
CHANNEL_DAYS = np.array([[30, 90], [20, 60], [1, 5], [1, 3], [30, 120], [60, 180]])
PAGE_CATEGORIES = ("home", "blog", "case_study", "product", "docs", "pricing", "careers")
BACKGROUND_PAGES = (0.2, 0.38, 0.07, 0.13, 0.1, 0.0, 0.12)
PRICING = 5
FORM_TYPES = ("newsletter", "content_download", "webinar", "demo_request", "contact_sales")
DEMO_FORM, CONTACT_SALES_FORM = 3, 4
EMAIL_EVENTS = ("sent", "open", "click", "bounce", "unsubscribe")
MARKETING_CAC_EUR = 2_500  # spend per new customer the budget is sized on
INBOUND_SOURCES = np.array([1, 1, 1, 1, 0, 1, 0], dtype=bool)  # contact created by a form


@dataclass
class Marketing:
    campaign_channel: np.ndarray
    campaign_start: np.ndarray
    campaign_end: np.ndarray
    campaign_currency: np.ndarray
    spend_campaign: np.ndarray
    spend_month: np.ndarray  # first day of the month, epoch seconds
    spend_amount: np.ndarray  # major units of the campaign currency
    email_campaign: np.ndarray
    email_contact: np.ndarray
    email_type: np.ndarray
    email_at: np.ndarray
    view_contact: np.ndarray
    view_category: np.ndarray
    view_slug: np.ndarray
    view_at: np.ndarray
    form_contact: np.ndarray
    form_type: np.ndarray
    form_slug: np.ndarray
    form_at: np.ndarray


def _months(window: Window) -> np.ndarray:
    first = np.array([window.start])
    count = int(np.ceil(window.days / 28)) + 1
    months = add_months(np.repeat(first, count), np.arange(count))
    return months[months < window.end]


def _campaigns(
    rng: np.random.Generator, size: int, months: np.ndarray, window: Window
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    per_month = np.array([1 + size // 400, 1 + size // 600, 3, 0, 1, size // 2000])
    counts = rng.poisson(np.tile(per_month + [0, 0, 0, 0.5, 0, 0.3], (len(months), 1)))
    month = expand(counts.sum(1))
    channel = np.concatenate([np.repeat(np.arange(6), row) for row in counts])
    start = months[month] + rng.integers(0, 20 * DAY, len(month))
    low, high = CHANNEL_DAYS[channel].T
    end = np.minimum(start + rng.integers(low, high + 1) * DAY - DAY, window.end - DAY)
    order = np.lexsort((channel, start))
    currency = choice(rng, (0.75, 0.17, 0.08), len(month))
    # A history ending mid-month draws some of its last month's starts after its last day: those
    # campaigns had not started when the export was taken (their end, capped at the last day,
    # would precede their start), so the export leaves them out. Dropped after every draw, so
    # the other campaigns keep their values.
    order = order[start[order] < window.end]
    return channel[order], start[order], end[order], currency[order]


def _spend(
    rng: np.random.Generator,
    channel: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    currency: np.ndarray,
    months: np.ndarray,
    budget_eur: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each month's budget shared by the campaigns running in it, by channel and overlap."""
    first = np.searchsorted(months, start, side="right") - 1
    last = np.searchsorted(months, end, side="right") - 1
    span = last - first + 1
    campaign = expand(span)
    month = first[campaign] + np.arange(len(campaign)) - np.repeat(np.cumsum(span) - span, span)
    month_end = np.r_[months[1:], months[-1] + 31 * DAY][month]
    overlap = np.minimum(end[campaign] + DAY, month_end) - np.maximum(
        start[campaign], months[month]
    )
    weight = CHANNEL_SPEND_WEIGHT[channel[campaign]] * overlap * rng.uniform(0.7, 1.3, len(month))
    share = weight / np.bincount(month, weights=weight, minlength=len(months))[month]
    amount = budget_eur[month] * share / APPROX_EUR_RATE[currency[campaign]]
    return campaign, months[month], np.round(amount, 2)


def _emails(
    rng: np.random.Generator, contacts: Contacts, campaign: np.ndarray, sent: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each email campaign goes to a sixth of the contacts that exist on its send day."""
    order = np.argsort(contacts.created, kind="stable")
    created = contacts.created[order]
    groups = []
    for t in sent:  # one vectorised draw per campaign, about three a month
        eligible = order[: np.searchsorted(created, t)]
        groups.append(eligible[rng.random(len(eligible)) < 0.16])
    sizes = np.array([len(g) for g in groups], dtype=np.int64)
    to = np.concatenate(groups) if groups else np.zeros(0, dtype=np.int64)
    which = np.repeat(campaign, sizes)
    at = np.repeat(sent, sizes) + rng.integers(0, 20 * MINUTE, len(to))
    draw = rng.random(len(to))
    bounce = draw < 0.015
    opened = ~bounce & (draw < 0.27)
    clicked = opened & (rng.random(len(to)) < 0.18)
    unsub = opened & ~clicked & (rng.random(len(to)) < 0.02)
    open_at = at + lognormal_seconds(rng, 3 * HOUR, 1.2, len(to))
    click_at = open_at + lognormal_seconds(rng, 2 * MINUTE, 0.8, len(to))
    parts = [
        (np.ones(len(to), dtype=bool), 0, at),
        (opened, 1, open_at),
        (clicked, 2, click_at),
        (bounce, 3, at + MINUTE),
        (unsub, 4, open_at + MINUTE),
    ]
    return (
        np.concatenate([which[m] for m, _, _ in parts]),
        np.concatenate([to[m] for m, _, _ in parts]),
        np.concatenate([np.full(int(m.sum()), k) for m, k, _ in parts]),
        np.concatenate([t[m] for m, _, t in parts]),
    )


def _page_views(
    rng: np.random.Generator, contacts: Contacts, window: Window
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(contacts)
    stop = np.minimum(contacts.created + 600 * DAY, window.end)
    interest = np.exp(rng.normal(0, 0.6, n))
    counts = rng.poisson(0.025 * interest * (stop - contacts.created) / DAY)
    contact = expand(counts)
    at = working_time(rng, uniform_time(rng, contacts.created[contact], stop[contact]))
    category = choice(rng, BACKGROUND_PAGES, len(contact))
    # Some leads look at pricing once without ever engaging enough to become MQLs.
    curious = np.flatnonzero((contacts.mql_at == NONE) & (rng.random(n) < 0.06))
    curious_at = uniform_time(rng, contacts.created[curious], stop[curious])
    mql = np.flatnonzero(contacts.mql_at != NONE)
    views = contacts.pricing_views[mql]
    burst = mql[expand(views)]
    # One pricing view before the form; a second one, when there is one, comes right after
    # it, so the score crosses the threshold at the form itself.
    second = np.r_[False, burst[1:] == burst[:-1]]
    burst_at = contacts.mql_at[burst] - rng.integers(5 * MINUTE, 3 * HOUR, len(burst))
    burst_at[second] = contacts.mql_at[burst[second]] + rng.integers(
        MINUTE, 20 * MINUTE, second.sum()
    )
    contact = np.concatenate([contact, curious, burst])
    at = np.concatenate([at, curious_at, np.maximum(burst_at, contacts.created[burst])])
    category = np.concatenate([category, np.full(len(curious) + len(burst), PRICING)])
    return contact, category, at


def _forms(
    rng: np.random.Generator, contacts: Contacts, window: Window
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # Inbound contacts are created by the form they filled in.
    created_by_form = np.flatnonzero(INBOUND_SOURCES[contacts.source] & ~contacts.imported)
    created_by_form = created_by_form[rng.random(len(created_by_form)) < 0.8]
    first_type = choice(rng, (0.35, 0.45, 0.2), len(created_by_form))
    stop = np.minimum(contacts.created + 600 * DAY, window.end)
    later = rng.poisson(0.0016 * (stop - contacts.created) / DAY)
    later_contact = expand(later)
    later_at = uniform_time(rng, contacts.created[later_contact], stop[later_contact])
    mql = np.flatnonzero(contacts.mql_at != NONE)
    intent = np.where(contacts.intent_form[mql] == DEMO_REQUEST, DEMO_FORM, CONTACT_SALES_FORM)
    contact = np.concatenate([created_by_form, later_contact, mql])
    kind = np.concatenate([first_type, choice(rng, (0.4, 0.35, 0.25), len(later_contact)), intent])
    at = np.concatenate([contacts.created[created_by_form], later_at, contacts.mql_at[mql]])
    return contact, kind, at


def make_marketing(
    contacts: Contacts, subs: Subscriptions, size: int, window: Window, seed: int
) -> Marketing:
    rng = stream(seed, "marketing")
    months = _months(window)
    channel, start, end, currency = _campaigns(rng, size, months, window)
    # Budget follows acquisition: a month's spend tracks that month's new paying customers.
    first_paid = subs.customer_created
    new = np.bincount(np.searchsorted(months, first_paid, side="right") - 1, minlength=len(months))
    budget = MARKETING_CAC_EUR * (0.5 * new.mean() + 0.5 * new) + 1_000
    spend_campaign, spend_month, spend_amount = _spend(
        rng, channel, start, end, currency, months, budget
    )
    email = np.flatnonzero(channel == EMAIL_CHANNEL)
    sent = working_time(rng, start[email])
    ok = sent < window.end
    e_campaign, e_contact, e_type, e_at = _emails(rng, contacts, email[ok], sent[ok])
    keep = e_at < window.end
    v_contact, v_category, v_at = _page_views(rng, contacts, window)
    v_keep = v_at < window.end
    f_contact, f_type, f_at = _forms(rng, contacts, window)
    f_keep = f_at < window.end
    v_order = np.argsort(v_at[v_keep], kind="stable")
    f_order = np.argsort(f_at[f_keep], kind="stable")
    e_order = np.argsort(e_at[keep], kind="stable")
    return Marketing(
        campaign_channel=channel,
        campaign_start=start,
        campaign_end=end,
        campaign_currency=currency,
        spend_campaign=spend_campaign,
        spend_month=spend_month,
        spend_amount=spend_amount,
        email_campaign=e_campaign[keep][e_order],
        email_contact=e_contact[keep][e_order],
        email_type=e_type[keep][e_order],
        email_at=e_at[keep][e_order],
        view_contact=v_contact[v_keep][v_order],
        view_category=v_category[v_keep][v_order],
        view_slug=rng.integers(1, 200, int(v_keep.sum())),
        view_at=v_at[v_keep][v_order],
        form_contact=f_contact[f_keep][f_order],
        form_type=f_type[f_keep][f_order],
        form_slug=rng.integers(1, 60, int(f_keep.sum())),
        form_at=f_at[f_keep][f_order],
    )
