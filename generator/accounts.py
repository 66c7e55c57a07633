"""The go-to-market team (owners) and the CRM companies (accounts) with their latent traits."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from generator.common import DAY, Window, choice, stream

ROLES = ("SDR", "AE", "CSM", "AM")
SDR, AE, CSM, AM = range(4)
REGIONS = ("EMEA", "North America")
TEAM_PREFIX = ("SDR", "Sales", "Customer Success", "Account Management")

COUNTRIES = ("FR", "DE", "GB", "US", "NL", "ES", "IT", "CA", "BE", "SE")
COUNTRY_WEIGHTS = (0.2, 0.14, 0.15, 0.24, 0.07, 0.05, 0.05, 0.04, 0.03, 0.03)
COUNTRY_REGION = np.array([0, 0, 0, 1, 0, 0, 0, 1, 0, 0])
COUNTRY_CURRENCY = np.array([0, 0, 2, 1, 0, 0, 0, 1, 0, 0])  # index into CURRENCIES
# Markets the company targets (BMANTER "Market" criterion, set by SDRs).
TARGET_MARKET = np.array([1, 1, 1, 1, 1, 0, 0, 0, 1, 0], dtype=bool)
# Tax rate charged on invoices: B2B VAT where domestic; simplified, it only has to look right.
COUNTRY_TAX_RATE = np.array([0.20, 0.19, 0.20, 0.0, 0.21, 0.21, 0.22, 0.05, 0.21, 0.25])
INDUSTRIES = (
    "Software",
    "Financial Services",
    "Healthcare",
    "Manufacturing",
    "Retail",
    "Professional Services",
    "Education",
    "Media",
    "Logistics",
)
INDUSTRY_WEIGHTS = (0.24, 0.13, 0.1, 0.12, 0.1, 0.14, 0.05, 0.06, 0.06)
SEGMENT_MIN_EMPLOYEES = np.array([0, 50, 500])  # smb, mid_market, enterprise (seed sales_segments)

PROSPECT, INSTALLED, SELF_SERVE = range(3)  # how a company can come to pay us


@dataclass
class Owners:
    role: np.ndarray
    region: np.ndarray
    hired: np.ndarray
    skill: np.ndarray  # an AE's win-rate multiplier
    quota_eur: np.ndarray  # quarterly, NaN for roles without quota; set once deals exist

    def __len__(self) -> int:
        return len(self.role)

    def pick(self, rng: np.random.Generator, role: int, region: np.ndarray) -> np.ndarray:
        """A random owner of `role` in each row's region (routing by territory)."""
        out = np.empty(len(region), dtype=np.int64)
        for r in range(len(REGIONS)):
            pool = np.flatnonzero((self.role == role) & (self.region == r))
            rows = np.flatnonzero(region == r)
            out[rows] = pool[rng.integers(0, len(pool), len(rows))]
        return out


@dataclass
class Companies:
    created: np.ndarray  # sorted: the CRM hands out ids in creation order
    employees: np.ndarray
    segment: np.ndarray
    country: np.ndarray
    industry: np.ndarray
    revenue_eur: np.ndarray
    fit: np.ndarray  # 0..1 latent product fit: converts, expands and stays more
    journey: np.ndarray

    def __len__(self) -> int:
        return len(self.created)

    @property
    def region(self) -> np.ndarray:
        return COUNTRY_REGION[self.country]

    @property
    def currency(self) -> np.ndarray:
        return COUNTRY_CURRENCY[self.country]


def make_owners(size: int, window: Window, seed: int) -> Owners:
    rng = stream(seed, "owners")
    per_role = [max(2, round(size / k)) for k in (150, 400, 150, 400)]
    role = np.repeat(np.arange(4), per_role)
    # Both regions need every role: EMEA gets the first ~60% of each role, America the rest.
    region = np.concatenate(
        [np.arange(k) >= min(max(round(0.6 * k), 1), k - 1) for k in per_role]
    ).astype(np.int64)
    hired = window.start - rng.integers(30, 1500, len(role)) * DAY
    skill = np.exp(rng.normal(0.0, 0.22, len(role)))
    return Owners(role, region, hired, skill, np.full(len(role), np.nan))


def _growth_curve(rng: np.random.Generator, n: int, growth: float) -> np.ndarray:
    """Positions in [0, 1) with density rising linearly by `growth` (a growing inbound)."""
    u = rng.random(n)
    return (np.sqrt(1 + 2 * growth * u * (1 + growth / 2)) - 1) / growth


def make_companies(size: int, window: Window, seed: int) -> Companies:
    rng = stream(seed, "companies")
    employees = np.clip(np.exp(rng.normal(np.log(70), 1.45, size)), 2, 40_000).astype(np.int64)
    segment = np.searchsorted(SEGMENT_MIN_EMPLOYEES, employees, side="right") - 1
    fit = rng.beta(2.2, 2.2, size)
    # Installed base: customers migrated into the CRM and Stripe when the history starts, so the
    # first year already has a revenue base (NRR needs customers paying 12 months earlier).
    journey = np.where(rng.random(size) < 0.2, INSTALLED, PROSPECT)
    self_serve_share = np.array([0.55, 0.35, 0.1])[segment]
    journey[(journey == PROSPECT) & (rng.random(size) < self_serve_share)] = SELF_SERVE
    span = window.end - 45 * DAY - window.start
    created = window.start + (_growth_curve(rng, size, 0.4) * span).astype(np.int64)
    installed = journey == INSTALLED
    created[installed] = window.start + rng.integers(0, 40 * DAY, int(installed.sum()))
    revenue_eur = np.round(employees * np.exp(rng.normal(np.log(110_000), 0.5, size)), -3)
    order = np.argsort(created, kind="stable")
    return Companies(
        created=created[order],
        employees=employees[order],
        segment=segment[order],
        country=choice(rng, COUNTRY_WEIGHTS, size)[order],
        industry=choice(rng, INDUSTRY_WEIGHTS, size)[order],
        revenue_eur=revenue_eur[order],
        fit=fit[order],
        journey=journey[order],
    )


def company_owners(
    companies: Companies, owners: Owners, is_customer: np.ndarray, seed: int
) -> np.ndarray:
    """Customers are owned by a CSM of their region, other accounts by an account manager. A
    share of customers, growing with size, is managed by an AM instead (key accounts: the AM
    owns the commercial relationship), so each role has a book of paying accounts."""
    rng = stream(seed, "company-owners")
    csm = owners.pick(rng, CSM, companies.region)
    am = owners.pick(rng, AM, companies.region)
    # Drawn after the picks, so adding it left every other account's owner as it was.
    key_account = rng.random(len(companies)) < np.array([0.1, 0.4, 0.7])[companies.segment]
    return np.where(is_customer & ~key_account, csm, am)
