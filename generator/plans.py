"""Who starts paying, when and on which plan: the subscriptions to simulate.

Three ways in: the installed base migrated when the history starts, self-serve product trials
(with a card for those who go on to pay), and deals won by sales.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from generator.accounts import INSTALLED, SELF_SERVE, Companies
from generator.common import DAY, HOUR, Window, choice
from generator.deals import Deals
from generator.funnel import Contacts

ORIGIN_INSTALLED, ORIGIN_SELF_SERVE, ORIGIN_SALES, ORIGIN_REACTIVATION = range(4)


@dataclass
class Plan:
    """Subscriptions to simulate, one row each."""

    company: np.ndarray
    currency: np.ndarray
    start: np.ndarray
    trial_days: np.ndarray
    converts: np.ndarray
    tier: np.ndarray
    qty: np.ndarray
    interval: np.ndarray  # months
    addon: np.ndarray
    discount: np.ndarray  # percent off, 0 = none
    early_churn: np.ndarray
    hazard: np.ndarray  # monthly churn probability
    fit: np.ndarray
    origin: np.ndarray

    def keep(self, mask: np.ndarray) -> Plan:
        return Plan(*(getattr(self, f.name)[mask] for f in fields(self)))

    @classmethod
    def concat(cls, parts: list[Plan]) -> Plan:
        return cls(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)))


@dataclass
class Trials:
    """Every self-serve product trial, whether or not it reached Stripe."""

    company: np.ndarray
    start: np.ndarray
    converts: np.ndarray
    in_stripe: np.ndarray


def _seats(rng: np.random.Generator, employees: np.ndarray, share: float) -> np.ndarray:
    seats = employees * share * np.exp(rng.normal(0, 0.5, len(employees)))
    return np.clip(np.round(seats), 2, 400).astype(np.int64)


def _hazard(companies: Companies, company: np.ndarray, factor: float) -> np.ndarray:
    base = np.array([0.021, 0.013, 0.008])[companies.segment[company]]
    return base * (1.5 - companies.fit[company]) * factor


def installed_plan(rng: np.random.Generator, companies: Companies) -> Plan:
    company = np.flatnonzero(companies.journey == INSTALLED)
    n = len(company)
    tier = np.minimum(companies.segment[company] + (rng.random(n) < 0.3), 2)
    return Plan(
        company=company,
        currency=companies.currency[company],
        start=companies.created[company],
        trial_days=np.zeros(n, dtype=np.int64),
        converts=np.ones(n, dtype=bool),
        tier=tier,
        qty=_seats(rng, companies.employees[company], 0.12),
        interval=np.array([1, 3, 12])[choice(rng, (0.55, 0.1, 0.35), n)],
        addon=(tier > 0) & (rng.random(n) < 0.25),
        discount=np.where(rng.random(n) < 0.2, rng.choice([10, 15, 20], n), 0),
        early_churn=np.zeros(n, dtype=bool),
        hazard=_hazard(companies, company, 0.8),
        fit=companies.fit[company],
        origin=np.full(n, ORIGIN_INSTALLED),
    )


def self_serve_plan(
    rng: np.random.Generator, companies: Companies, contacts: Contacts, window: Window
) -> tuple[Trials, Plan]:
    """Product-led sign-ups: a 14-day trial with a card for those who go on to pay (and some
    who do not), straight in the product for the others."""
    company = np.flatnonzero(companies.journey == SELF_SERVE)
    first_contact = contacts.company_offsets[company]
    start = contacts.created[first_contact] + rng.integers(HOUR, 20 * DAY, len(company))
    company, start = company[start < window.end - DAY], start[start < window.end - DAY]
    n = len(company)
    fit = companies.fit[company]
    converts = rng.random(n) < 0.35 + 0.45 * fit
    in_stripe = converts | (rng.random(n) < 0.3)
    tier = (rng.random(n) < 0.3).astype(np.int64)
    plan = Plan(
        company=company,
        currency=companies.currency[company],
        start=start,
        trial_days=np.full(n, 14),
        converts=converts,
        tier=tier,
        qty=np.minimum(2 + rng.poisson(3 + 4 * companies.segment[company]), 60),
        interval=np.where(rng.random(n) < 0.85, 1, 12),
        addon=np.zeros(n, dtype=bool),
        discount=np.where(rng.random(n) < 0.06, 10, 0),
        early_churn=rng.random(n) < 0.12 * (1.4 - fit),
        hazard=_hazard(companies, company, 1.3),
        fit=fit,
        origin=np.full(n, ORIGIN_SELF_SERVE),
    )
    return Trials(company, start, converts, in_stripe), plan.keep(in_stripe)


def sales_plan(
    rng: np.random.Generator, companies: Companies, deals: Deals, window: Window
) -> Plan:
    """Won deals: the subscription starts days after signature, sometimes after a pilot."""
    won = np.flatnonzero(deals.won)
    company = deals.company[won]
    n = len(won)
    start = deals.closed_at[won] + rng.integers(0, 10 * DAY, n)
    segment = companies.segment[company]
    interval_mix = np.array([[0.55, 0.15, 0.3], [0.3, 0.2, 0.5], [0.1, 0.15, 0.75]])
    interval = np.array([1, 3, 12])[(rng.random((n, 1)) > interval_mix[segment].cumsum(1)).sum(1)]
    amount_eur = deals.amount_eur[won]
    tier = np.searchsorted([10_000, 50_000], amount_eur, side="right")
    discount = np.where(rng.random(n) < 0.35, rng.choice([10, 15, 20, 25], n), 0)
    seat_year_eur = np.array([25, 49, 89])[tier] * 12 * (1 - discount / 100)
    fit = companies.fit[company]
    plan = Plan(
        company=company,
        currency=companies.currency[company],
        start=start,
        trial_days=np.where(rng.random(n) < 0.15, 14, 0),
        converts=np.ones(n, dtype=bool),
        tier=tier,
        qty=np.maximum(np.round(amount_eur / seat_year_eur), 1).astype(np.int64),
        interval=interval,
        addon=(tier > 0) & (rng.random(n) < 0.3),
        discount=discount,
        early_churn=(interval == 1) & (rng.random(n) < 0.08 * (1.4 - fit)),
        hazard=_hazard(companies, company, 1.0),
        fit=fit,
        origin=np.full(n, ORIGIN_SALES),
    )
    return plan.keep(start < window.end)
