"""The sales pipeline: new-logo deals from SQLs, outbound and referrals, and expansion deals sold
to paying customers, each walking the stages to an outcome.

A latent deal quality drives both the MEDDIC fields the AE fills in and the chance to win, so
better-qualified deals win more, as the qualification gates assume.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dagster_project.source_catalog import DEAL_STAGES
from generator.accounts import AE, PROSPECT, Companies, Owners
from generator.activities import Activities
from generator.common import (
    APPROX_EUR_RATE,
    DAY,
    NONE,
    Window,
    choice,
    expand,
    group_cumsum,
    is_last_in_group,
    lognormal_seconds,
    position_in_group,
    stream,
    uniform_time,
)
from generator.funnel import Contacts, pick_contact

STAGES = DEAL_STAGES
CLOSED_WON, CLOSED_LOST = 6, 7
ORIGINS = ("marketing", "outbound", "referral")
MARKETING, OUTBOUND, REFERRAL = range(3)
LOST_REASONS = ("price", "competitor", "no_decision", "timing", "no_budget", "product_fit")
# The deal's motion, in HubSpot's deal types: a new logo, or more sold to a paying customer.
MOTIONS = ("newbusiness", "existingbusiness")
NEW_LOGO, EXPANSION = range(2)


@dataclass
class Deals:
    company: np.ndarray
    contact: np.ndarray  # primary contact
    second_contact: np.ndarray  # NONE or another contact of the company
    owner: np.ndarray
    origin: np.ndarray
    created: np.ndarray  # sorted: deal ids follow creation order
    amount: np.ndarray  # in the deal currency
    currency: np.ndarray
    stage: np.ndarray  # current stage
    closed_at: np.ndarray  # NONE while open
    close_date: np.ndarray  # actual, or expected while open (may lie after the window)
    meddic: np.ndarray  # (n, 8) booleans in MEDDIC_FIELDS order
    lost_reason: np.ndarray  # index into LOST_REASONS, NONE unless closed lost
    history_deal: np.ndarray  # stage history rows, sorted by deal then time
    history_stage: np.ndarray
    history_at: np.ndarray
    motion: np.ndarray  # index into MOTIONS

    def __len__(self) -> int:
        return len(self.created)

    @property
    def won(self) -> np.ndarray:
        return self.stage == CLOSED_WON

    @property
    def amount_eur(self) -> np.ndarray:
        return self.amount * APPROX_EUR_RATE[self.currency]

    @staticmethod
    def concat(parts: list[Deals]) -> Deals:
        """The parts' deals as one set, renumbered in creation order (deal ids follow it)."""
        created = np.concatenate([part.created for part in parts])
        order = np.argsort(created, kind="stable")
        new_id = np.empty(len(order), dtype=np.int64)
        new_id[order] = np.arange(len(order))
        offsets = np.cumsum([0, *(len(part) for part in parts)])
        history_deal = np.concatenate(
            [
                new_id[offset + part.history_deal]
                for offset, part in zip(offsets, parts, strict=False)
            ]
        )
        history = np.lexsort((np.concatenate([part.history_at for part in parts]), history_deal))
        per_deal = {
            name: np.concatenate([getattr(part, name) for part in parts])[order]
            for name in _PER_DEAL
        }
        return Deals(
            **per_deal,
            history_deal=history_deal[history],
            history_stage=np.concatenate([part.history_stage for part in parts])[history],
            history_at=np.concatenate([part.history_at for part in parts])[history],
        )


_PER_DEAL = (
    "company",
    "contact",
    "second_contact",
    "owner",
    "origin",
    "created",
    "amount",
    "currency",
    "stage",
    "closed_at",
    "close_date",
    "meddic",
    "lost_reason",
    "motion",
)


def _candidates(
    rng: np.random.Generator, companies: Companies, contacts: Contacts, window: Window
) -> dict[str, np.ndarray]:
    """Every moment a deal could open (company, contact, origin, created), sorted by time: SQLs
    the SDRs hand over, and outbound or referral approaches of prospect accounts."""
    prospect = companies.journey == PROSPECT
    sql = np.flatnonzero((contacts.sql_at != NONE) & prospect[contacts.company])
    sql = sql[rng.random(len(sql)) < 0.8]
    sql_created = contacts.sql_at[sql] + rng.integers(DAY // 2, 10 * DAY, len(sql))
    segment = companies.segment
    outbound = prospect & (rng.random(len(companies)) < np.array([0.1, 0.3, 0.45])[segment])
    referral = prospect & (rng.random(len(companies)) < np.array([0.03, 0.06, 0.08])[segment])
    # Outbound accounts get a second approach later, used if the first deal is lost.
    sales = np.concatenate(
        [np.flatnonzero(outbound), np.flatnonzero(outbound), np.flatnonzero(referral)]
    )
    sales_origin = np.repeat(
        [OUTBOUND, OUTBOUND, REFERRAL], [outbound.sum(), outbound.sum(), referral.sum()]
    )
    delay = np.where(
        np.arange(len(sales)) < outbound.sum() * 2,
        rng.integers(15 * DAY, 500 * DAY, len(sales)),
        rng.integers(30 * DAY, 700 * DAY, len(sales)),
    )
    delay[outbound.sum() : 2 * outbound.sum()] += 250 * DAY
    sales_created = companies.created[sales] + delay
    created = np.concatenate([sql_created, sales_created])
    order = np.argsort(created, kind="stable")
    candidates = {
        "company": np.concatenate([contacts.company[sql], sales]),
        "contact": np.concatenate([sql, pick_contact(rng, contacts, sales, sales_created)]),
        "origin": np.concatenate([np.full(len(sql), MARKETING), sales_origin]),
        "created": created,
    }
    keep = order[created[order] < window.end - DAY]
    return {k: v[keep] for k, v in candidates.items()}


def _outcomes(
    rng: np.random.Generator,
    companies: Companies,
    owners: Owners,
    window: Window,
    picked: dict[str, np.ndarray],
    win_odds: float = 1.0,
) -> dict[str, np.ndarray]:
    """Quality, owner, result and cycle of new deals; `win_odds` multiplies the odds to win."""
    company, origin, created = picked["company"], picked["origin"], picked["created"]
    n = len(company)
    shift = np.array([0.0, -0.08, 0.12])[origin]
    quality = np.clip(rng.beta(2.2, 2.2, n) + shift + 0.2 * (companies.fit[company] - 0.5), 0, 1)
    owner = owners.pick(rng, AE, companies.region[company])
    logit = -1.3 + 3.6 * (quality - 0.5) + np.log(owners.skill[owner] * win_odds)
    won = rng.random(n) < 1 / (1 + np.exp(-(logit + np.array([0.0, -0.4, 0.5])[origin])))
    final = np.where(won, 5, choice(rng, (0.22, 0.24, 0.2, 0.15, 0.12, 0.07), n))
    # Cycles get shorter over the years (one reference company: 120 -> 75 days), longer upmarket.
    trend = 1.2 - 0.4 * window.fraction(created)
    segment = companies.segment[company]
    won_cycle = lognormal_seconds(rng, np.array([85, 115, 150])[segment] * trend * DAY, 0.4, n)
    lost_cycle = lognormal_seconds(rng, (15 + 14 * final) * DAY, 0.6, n)
    cycle = np.where(won, won_cycle, lost_cycle)
    # Some hopeless deals are never closed out: overdue, they become kill candidates.
    stalled = ~won & (quality < 0.35) & (rng.random(n) < 0.3)
    return {
        **picked,
        "quality": quality,
        "owner": owner,
        "won": won,
        "final": final,
        "cycle": cycle,
        "stalled": stalled,
    }


def _pick_deals(
    rng: np.random.Generator,
    companies: Companies,
    owners: Owners,
    window: Window,
    candidates: dict[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """One open deal per account at a time: an account whose deal was lost can get a new one
    from a later candidate; won, open or stalled deals block the account."""
    available = np.full(len(companies), window.start - 1)
    blocked = np.iinfo(np.int64).max
    rounds = []
    for _ in range(3):
        ok = np.flatnonzero(candidates["created"] >= available[candidates["company"]])
        _, first = np.unique(candidates["company"][ok], return_index=True)
        picked = {k: v[ok[first]] for k, v in candidates.items()}
        deals = _outcomes(rng, companies, owners, window, picked)
        close = deals["created"] + deals["cycle"]
        lost = ~deals["won"] & ~deals["stalled"] & (close < window.end)
        available[deals["company"]] = np.where(lost, close + 45 * DAY, blocked)
        rounds.append(deals)
    merged = {k: np.concatenate([r[k] for r in rounds]) for k in rounds[0]}
    order = np.argsort(merged["created"], kind="stable")
    return {k: v[order] for k, v in merged.items()}


def _stage_history(
    rng: np.random.Generator, final: np.ndarray, won: np.ndarray, cycle: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stages walked by each deal (detection .. final, then its closing stage), sometimes
    skipping a middle stage, at times spread over the sales cycle."""
    rows = final + 2
    deal = expand(rows)
    pos = position_in_group(rows)
    stage = np.where(pos <= final[deal], pos, np.where(won[deal], CLOSED_WON, CLOSED_LOST))
    skipped = (pos >= 1) & (pos <= 4) & (pos < final[deal]) & (rng.random(len(deal)) < 0.12)
    deal, stage, pos = deal[~skipped], stage[~skipped], pos[~skipped]
    step = np.where(pos == 0, 0.0, rng.exponential(1.0, len(deal)))
    progress = group_cumsum(step, deal)
    total = np.repeat(progress[is_last_in_group(deal)], np.bincount(deal, minlength=len(final)))
    offset = (cycle[deal] * progress / total).astype(np.int64)
    return deal, stage, offset


def make_deals(
    companies: Companies, contacts: Contacts, owners: Owners, window: Window, seed: int
) -> Deals:
    """New-logo deals: SQLs, outbound and referral approaches of prospect accounts."""
    rng = stream(seed, "deals")
    picked = _pick_deals(
        rng, companies, owners, window, _candidates(rng, companies, contacts, window)
    )
    deals = _assemble(rng, companies, contacts, window, picked, NEW_LOGO)
    _mark_lifecycle(deals, contacts)
    _set_quotas(deals, owners, window, rng)
    return deals


def with_expansions(
    deals: Deals,
    companies: Companies,
    contacts: Contacts,
    owners: Owners,
    subscriptions: tuple[np.ndarray, np.ndarray, np.ndarray],
    window: Window,
    seed: int,
) -> Deals:
    """The new-logo deals and expansion deals: an AE sells more (seats, a higher tier, another
    team) to some paying customers, more often upmarket, a few months into their subscription
    and while it runs. A stream of its own, drawn after billing, so the new-logo deals and the
    billing history stay as they were; the billing does not follow these deals."""
    rng = stream(seed, "expansion-deals")
    company, paid_start, ended_at = subscriptions
    keep = rng.random(len(company)) < np.array([0.2, 0.35, 0.5])[companies.segment[company]]
    created = paid_start + rng.integers(90 * DAY, 420 * DAY, len(company))
    running = np.where(ended_at == NONE, window.end, ended_at)
    keep &= created < np.minimum(running, window.end - DAY)
    order = np.argsort(created[keep], kind="stable")
    company, created = company[keep][order], created[keep][order]
    picked = _outcomes(
        rng,
        companies,
        owners,
        window,
        {
            "company": company,
            "contact": pick_contact(rng, contacts, company, created),
            "origin": np.full(len(company), OUTBOUND),
            "created": created,
        },
        # A customer who already uses the product buys more readily than a prospect.
        win_odds=4.0,
    )
    expansions = _assemble(rng, companies, contacts, window, picked, EXPANSION)
    return Deals.concat([deals, expansions])


def _assemble(
    rng: np.random.Generator,
    companies: Companies,
    contacts: Contacts,
    window: Window,
    picked: dict[str, np.ndarray],
    motion: int,
) -> Deals:
    """Stage history, MEDDIC fields and amount of the picked deals (sorted by creation)."""
    company, contact, origin, created = (
        picked[k] for k in ("company", "contact", "origin", "created")
    )
    quality, owner, won, final = (picked[k] for k in ("quality", "owner", "won", "final"))
    cycle, stalled = picked["cycle"], picked["stalled"]
    n = len(company)
    segment = companies.segment[company]
    close_date = created + cycle

    deal, stage, offset = _stage_history(rng, final, won, cycle)
    at = created[deal] + offset
    keep = (at < window.end) & ~(stalled[deal] & (stage == CLOSED_LOST))
    deal, stage, at = deal[keep], stage[keep], at[keep]
    last = is_last_in_group(deal)
    current = np.empty(n, dtype=np.int64)
    current[deal[last]] = stage[last]
    closed = current >= CLOSED_WON
    reached = np.where(closed, final, current)

    meddic_p = np.clip(0.08 + 0.5 * quality + 0.07 * reached + 0.1 * won, 0.02, 0.97)
    count = rng.binomial(6, meddic_p)
    ranks = np.argsort(np.argsort(rng.random((n, 6)), axis=1), axis=1)
    paper = rng.random(n) < 0.15 + 0.12 * reached
    competition = rng.random(n) < 0.5
    meddic = np.column_stack([ranks < count[:, None], paper, competition])

    # An expansion sells a part of what a new logo does.
    typical = np.array([9_000, 30_000, 80_000]) * (1.0 if motion == NEW_LOGO else 0.35)
    amount_eur = np.clip(
        np.exp(rng.normal(np.log(typical[segment]), 0.55)),
        3_000,
        250_000,
    )
    currency = companies.currency[company]
    amount = np.maximum(np.round(amount_eur / APPROX_EUR_RATE[currency] / 500) * 500, 500)
    second = pick_contact(rng, contacts, company, created)
    return Deals(
        company=company,
        contact=contact,
        second_contact=np.where(second != contact, second, NONE),
        owner=owner,
        origin=origin,
        created=created,
        amount=amount,
        currency=currency,
        stage=current,
        closed_at=np.where(closed, close_date, NONE),
        close_date=close_date,
        meddic=meddic,
        lost_reason=np.where(current == CLOSED_LOST, rng.integers(0, 6, n), NONE),
        history_deal=deal,
        history_stage=stage,
        history_at=at,
        motion=np.full(n, motion),
    )


def _mark_lifecycle(deals: Deals, contacts: Contacts) -> None:
    """The deal's primary contact becomes an opportunity, then a customer when it is won."""
    opp = contacts.opportunity_at
    opp[opp == NONE] = np.iinfo(np.int64).max
    np.minimum.at(opp, deals.contact, deals.created)
    opp[opp == np.iinfo(np.int64).max] = NONE
    won = deals.won
    contacts.customer_at[deals.contact[won]] = deals.closed_at[won]


def _set_quotas(deals: Deals, owners: Owners, window: Window, rng: np.random.Generator) -> None:
    """Quarterly quotas sized on what the team actually closes, so attainment lands around
    50-120% with a spread between reps and quarters (skill and luck differ, quotas less)."""
    won = deals.won
    quarters = window.days / 91.3
    ae = np.flatnonzero(owners.role == AE)
    # The first two quarters only ramp up the pipeline: size quotas on the rest.
    per_quarter = deals.amount_eur[won].sum() / len(ae) / max(quarters - 2, 1)
    quota = per_quarter * rng.uniform(0.85, 1.1, len(ae))
    owners.quota_eur[ae] = np.maximum(np.round(quota / 5_000) * 5_000, 5_000)


def deal_activities(deals: Deals, contacts: Contacts, window: Window, seed: int) -> Activities:
    """AE meetings, calls and emails through each deal, and the SDR's outbound prospecting
    calls before outbound deals."""
    rng = stream(seed, "deal-activities")
    stop = np.where(deals.closed_at != NONE, deals.closed_at, window.end)
    stop = np.minimum(stop, window.end)
    span_days = np.maximum(stop - deals.created, DAY) / DAY
    counts = 1 + rng.poisson(span_days / 9)
    deal = expand(counts)
    at = uniform_time(rng, deals.created[deal], stop[deal] + 1)
    ae = Activities.build(
        kind=choice(rng, (0.35, 0.35, 0.3), len(deal)),
        at=at,
        owner=deals.owner[deal],
        company=deals.company[deal],
        contact=_threaded_contacts(deals, contacts, deal, at, seed),
        deal=deal,
    )
    outbound = np.flatnonzero(deals.origin == OUTBOUND)
    calls = 2 + rng.poisson(2.0, len(outbound))
    parent = outbound[expand(calls)]
    contact = deals.contact[parent]
    low = np.maximum(contacts.created[contact], deals.created[parent] - 30 * DAY)
    sdr = Activities.build(
        kind=choice(rng, (0.6, 0.4, 0.0), len(parent)),
        at=uniform_time(rng, low, deals.created[parent] + 1),
        owner=contacts.sdr[contact],
        company=deals.company[parent],
        contact=contact,
    )
    merged = Activities.concat([ae, sdr])
    return merged.keep(merged.at < window.end)


def _threaded_contacts(
    deals: Deals, contacts: Contacts, deal: np.ndarray, at: np.ndarray, seed: int
) -> np.ndarray:
    """The buyer's person each AE activity reaches: the primary contact mostly, someone else of
    the company more often the larger the deal (multi-threading). A stream of its own, so the
    activities' other draws stay as they were."""
    rng = stream(seed, "deal-threads")
    other = pick_contact(rng, contacts, deals.company[deal], at)
    size = np.searchsorted([20_000, 80_000], deals.amount_eur[deal])
    share = np.array([0.15, 0.35, 0.55])[size]
    return np.where(rng.random(len(deal)) < share, other, deals.contact[deal])
