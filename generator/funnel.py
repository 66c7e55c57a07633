"""CRM contacts and their lead lifecycle: creation by channel, MQL moments, SDR follow-up, BANT.

The MQL moment is the demo-request or contact-sales form that closes a burst of high-intent
marketing activity (marketing.py writes a pricing page view just before it): with the
lead-scoring seed's points the burst crosses the threshold at that form unless the lead's
other recent activity already pushed it over.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dagster_project.source_catalog import ANALYTICS_SOURCES
from generator.accounts import (
    INSTALLED,
    SDR,
    TARGET_MARKET,
    Companies,
    Owners,
)
from generator.activities import CALL, EMAIL, Activities
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

SOURCES = ANALYTICS_SOURCES
SOURCE_WEIGHTS = (0.28, 0.15, 0.12, 0.1, 0.1, 0.15, 0.1)
SOURCE_MQL_RATE = np.array([0.17, 0.21, 0.13, 0.15, 0.26, 0.16, 0.1])
REFERRALS, OFFLINE = 4, 6
JOB_TITLES = (
    "CEO",
    "CFO",
    "VP Sales",
    "Head of Revenue Operations",
    "IT Director",
    "Sales Manager",
    "Marketing Manager",
    "Operations Manager",
    "Data Analyst",
    "Customer Success Lead",
)
TITLE_WEIGHTS = (0.05, 0.04, 0.08, 0.08, 0.07, 0.16, 0.16, 0.14, 0.14, 0.08)
DECISION_MAKER = np.array([1, 1, 1, 1, 1, 0, 0, 0, 0, 0], dtype=bool)
DEMO_REQUEST, CONTACT_SALES = 0, 1


@dataclass
class Contacts:
    """One row per contact, grouped by company and by creation time inside a company."""

    company: np.ndarray
    company_offsets: np.ndarray  # contacts of company c: rows company_offsets[c]:[c + 1]
    created: np.ndarray
    source: np.ndarray
    title: np.ndarray
    sdr: np.ndarray
    imported: np.ndarray  # created as a customer by the installed-base migration
    mql_at: np.ndarray
    intent_form: np.ndarray  # the form that closes the MQL burst
    pricing_views: np.ndarray  # pricing pages viewed around the MQL form (1 or 2)
    touched_at: np.ndarray  # first SDR activity after the MQL
    sql_at: np.ndarray  # when the SDR marked BANT complete
    bant: np.ndarray  # (n, 4) budget, authority, need, timing: -1 unknown, 0 false, 1 true
    bmanter_market: np.ndarray
    bmanter_reference: np.ndarray
    opportunity_at: np.ndarray  # set by the deals model
    customer_at: np.ndarray  # set by the deals and billing models

    def __len__(self) -> int:
        return len(self.created)


def make_contacts(companies: Companies, owners: Owners, window: Window, seed: int) -> Contacts:
    rng = stream(seed, "contacts")
    counts = 1 + rng.poisson(9.0, len(companies))
    company = expand(counts)
    first = position_in_group(counts) == 0
    start = companies.created[company]
    later = start + lognormal_seconds(rng, 150 * DAY, 1.0, len(company))
    redraw = later >= window.end - DAY
    later[redraw] = uniform_time(rng, start[redraw], np.full(redraw.sum(), window.end - DAY))
    created = np.where(first, start, later)
    order = np.lexsort((created, company))
    company, created, first = company[order], created[order], first[order]
    n = len(company)

    imported = first & (companies.journey[company] == INSTALLED)
    source = choice(rng, SOURCE_WEIGHTS, n)
    source[imported] = OFFLINE
    title = choice(rng, TITLE_WEIGHTS, n)
    # One SDR works all leads of an account.
    sdr = owners.pick(rng, SDR, companies.region)[company]

    fit = companies.fit[company]
    mql_rate = SOURCE_MQL_RATE[source] * (0.55 + 0.9 * fit)
    delay = lognormal_seconds(rng, 35 * DAY, 1.1, n)
    is_mql = (rng.random(n) < mql_rate) & ~imported & (created + delay < window.end - HOUR)
    mql_at = np.where(is_mql, created + delay, NONE)

    touched_at = _first_touch(rng, mql_at, window)
    touched = touched_at != NONE
    sql_rate = 0.22 + 0.3 * fit + 0.12 * DECISION_MAKER[title]
    sql_delay = lognormal_seconds(rng, 1.5 * DAY, 0.9, n)
    is_sql = touched & (rng.random(n) < sql_rate) & (touched_at + sql_delay < window.end)
    sql_at = np.where(is_sql, touched_at + sql_delay, NONE)

    bant = np.where(rng.random((n, 4)) < 0.55, 1, 0).astype(np.int8)
    # A touched lead that did not qualify misses at least one BANT criterion.
    incomplete = touched & ~is_sql & (bant.sum(axis=1) == 4)
    bant[incomplete, rng.integers(0, 4, int(incomplete.sum()))] = 0
    bant[is_sql] = 1
    bant[~touched] = -1
    market = np.where(touched, TARGET_MARKET[companies.country[company]], -1).astype(np.int8)
    reference = np.where(touched, np.isin(source, (REFERRALS, OFFLINE)), -1).astype(np.int8)
    return Contacts(
        company=company,
        company_offsets=offsets(counts),
        created=created,
        source=source,
        title=title,
        sdr=sdr,
        imported=imported,
        mql_at=mql_at,
        intent_form=np.where(rng.random(n) < 0.6, DEMO_REQUEST, CONTACT_SALES),
        pricing_views=1 + (rng.random(n) < 0.5),
        touched_at=touched_at,
        sql_at=sql_at,
        bant=bant,
        bmanter_market=market,
        bmanter_reference=reference,
        opportunity_at=np.full(n, NONE),
        customer_at=np.where(imported, created, NONE),
    )


def _first_touch(rng: np.random.Generator, mql_at: np.ndarray, window: Window) -> np.ndarray:
    """SDR response time: a few hours for most leads, days for a tail of late follow-ups. The
    team gets faster over the years (a reference company: 65% of leads touched within 24 h, then
    98% after the SLA), so the response-time metric has a trend to show."""
    n = len(mql_at)
    on_time_share = 0.5 + 0.4 * window.fraction(mql_at)
    fast = np.minimum(lognormal_seconds(rng, 2.5 * HOUR, 1.1, n), 23 * HOUR)
    slow = 24 * HOUR + lognormal_seconds(rng, 2 * DAY, 0.8, n)
    touched_at = mql_at + np.where(rng.random(n) < on_time_share, fast, slow)
    return np.where((mql_at != NONE) & (touched_at < window.end), touched_at, NONE)


def sdr_activities(contacts: Contacts, window: Window, seed: int) -> Activities:
    """The SDR's first touch on every MQL, then follow-ups until qualification (or nurture)."""
    rng = stream(seed, "sdr-activities")
    lead = np.flatnonzero(contacts.touched_at != NONE)
    followups = rng.poisson(np.where(contacts.sql_at[lead] != NONE, 2.5, 1.2))
    first_kind = np.where(rng.random(len(lead)) < 0.55, CALL, EMAIL)
    parent = expand(followups)
    base = contacts.touched_at[lead][parent]
    at = base + lognormal_seconds(rng, 2 * DAY, 1.0, len(parent))
    kind = choice(rng, (0.45, 0.45, 0.1), len(parent))  # CALL, EMAIL, MEETING
    rows = np.concatenate([lead, lead[parent]])
    activities = Activities.build(
        kind=np.concatenate([first_kind, kind]),
        at=np.concatenate([contacts.touched_at[lead], at]),
        owner=contacts.sdr[rows],
        company=contacts.company[rows],
        contact=rows,
    )
    return activities.keep(activities.at < window.end)


def pick_contact(
    rng: np.random.Generator, contacts: Contacts, company: np.ndarray, before: np.ndarray
) -> np.ndarray:
    """A random contact of each company that already existed at `before`; the company's first
    contact (created with the company) when the draw falls on a later one."""
    lo = contacts.company_offsets[company]
    hi = contacts.company_offsets[company + 1]
    pick = lo + (rng.random(len(company)) * (hi - lo)).astype(np.int64)
    return np.where(contacts.created[pick] <= before, pick, lo)
