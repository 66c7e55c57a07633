"""HubSpot CRM v3 exports: owners, companies, contacts, deals, engagements (JSON lines).

Every object is `{"id", "properties" (all strings or null), "createdAt", "updatedAt",
"archived"}`, plus `associations` and `propertiesWithHistory` (newest first) where the API
returns them.
"""

from __future__ import annotations

import numpy as np

from dagster_project.crm_fields import MEDDIC_FIELDS
from generator.accounts import (
    COUNTRIES,
    INDUSTRIES,
    REGIONS,
    ROLES,
    TEAM_PREFIX,
    Companies,
    Owners,
)
from generator.activities import CALL, EMAIL, ENGAGEMENT_TYPES, Activities
from generator.common import CURRENCIES, NONE, SECOND_MS, stream
from generator.deals import LOST_REASONS, MOTIONS, ORIGINS, STAGES, Deals
from generator.funnel import JOB_TITLES, SOURCES, Contacts
from generator.ids import (
    COMPANY_BASE,
    CONTACT_BASE,
    DEAL_BASE,
    ENGAGEMENT_BASE,
    OWNER_BASE,
    hubspot_ids,
)
from generator.writers import LandingWriter, lookup

LIFECYCLE = ("lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer")
NAME_WORDS = (
    *("Acorn", "Alder", "Amber", "Arbor", "Aspen", "Beacon", "Birch", "Bluefin", "Cedar"),
    *("Cobalt", "Comet", "Coral", "Crest", "Delta", "Ember", "Falcon", "Fern", "Flint"),
    *("Granite", "Harbor", "Helix", "Indigo", "Juniper", "Kestrel", "Lark", "Maple"),
    *("Meridian", "Nimbus", "Northwind", "Oak", "Onyx", "Orbit", "Pine", "Quartz", "Raven"),
    *("Ridge", "Sable", "Summit", "Tidal", "Willow"),
)
NAME_SUFFIXES = (
    *("Analytics", "Systems", "Labs", "Logistics", "Partners", "Health", "Capital", "Foods"),
    *("Robotics", "Media", "Energy", "Software", "Retail", "Consulting", "Networks"),
    *("Studios", "Works", "Group", "Dynamics", "Industries", "Bank", "Learning", "Security"),
    *("Travel", "Motors"),
)


def company_name_sql(row: str) -> str:
    """A generated, unique company name for a 0-based company row (no real names)."""
    first = lookup(NAME_WORDS, f"{row} % {len(NAME_WORDS)}")
    second = lookup(NAME_SUFFIXES, f"({row} // {len(NAME_WORDS)}) % {len(NAME_SUFFIXES)}")
    combos = len(NAME_WORDS) * len(NAME_SUFFIXES)
    return (
        f"({first} || ' ' || {second} || case when {row} >= {combos} "
        f"then ' ' || ({row} // {combos} + 1)::varchar else '' end)"
    )


def write_owners(w: LandingWriter, owners: Owners) -> None:
    n = len(owners)
    digits = max(3, len(str(n)))
    quota = np.where(np.isnan(owners.quota_eur), -1, np.nan_to_num(owners.quota_eur)).astype(
        np.int64
    )
    table = {
        "_row": np.arange(n),
        "role": owners.role,
        "region": owners.region,
        "hired": owners.hired,
        "quota": quota,
    }
    number = f"lpad((_row + 1)::varchar, {digits}, '0')"
    w.write(
        "crm",
        "owners",
        "jsonl",
        f"""
        select _row, ({OWNER_BASE + 1} + _row)::varchar as id,
            {{'email': 'rep.' || {number} || '@example.com',
              'firstname': 'Rep',
              'lastname': {number},
              'role': {lookup(ROLES, "role")},
              'team': {lookup(TEAM_PREFIX, "role")} || ' ' || {lookup(REGIONS, "region")},
              'quarterly_quota_eur': nullif(quota, -1)::varchar,
              'hire_date': ymd(hired)}} as properties,
            iso(hired) as createdAt, iso(hired) as updatedAt, false as archived
        from owners""",
        {"owners": table},
    )


def write_companies(
    w: LandingWriter, companies: Companies, owner: np.ndarray, updated: np.ndarray
) -> None:
    n = len(companies)
    table = {
        "_row": np.arange(n),
        "created": companies.created,
        "updated": updated,
        "employees": companies.employees,
        "revenue": companies.revenue_eur.astype(np.int64),
        "industry": companies.industry,
        "country": companies.country,
        "owner_id": hubspot_ids(OWNER_BASE, owner),
    }
    name = company_name_sql("_row")
    w.write(
        "crm",
        "companies",
        "jsonl",
        f"""
        select _row, ({COMPANY_BASE + 1} + _row)::varchar as id,
            {{'name': {name},
              'domain': lower(replace({name}, ' ', '-')) || '.example.com',
              'industry': {lookup(INDUSTRIES, "industry")},
              'country': {lookup(COUNTRIES, "country")},
              'numberofemployees': employees::varchar,
              'annualrevenue': revenue::varchar,
              'hubspot_owner_id': owner_id::varchar,
              'createdate': iso(created)}} as properties,
            iso(created) as createdAt, iso(updated) as updatedAt, false as archived
        from companies""",
        {"companies": table},
    )


def _lifecycle(contacts: Contacts) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Lifecycle changes as (contact, stage, at, source type) rows. HubSpot only moves a
    contact forward: a stage is recorded only if no later stage was reached before it."""
    n = len(contacts)
    times = np.column_stack(
        [
            np.where(contacts.imported, NONE, contacts.created),
            contacts.mql_at,
            contacts.sql_at,
            contacts.opportunity_at,
            contacts.customer_at,
        ]
    )
    valid = times != NONE
    big = np.iinfo(np.int64).max
    later_min = np.full(n, big)
    recorded = np.zeros_like(valid)
    for stage in range(4, -1, -1):  # five stages: a loop over columns, not records
        recorded[:, stage] = valid[:, stage] & (times[:, stage] <= later_min)
        later_min = np.where(recorded[:, stage], np.minimum(later_min, times[:, stage]), later_min)
    contact, stage = np.nonzero(recorded)
    lead_source = np.where(np.isin(contacts.source, (4, 6)), 1, 0)  # REFERRALS, OFFLINE: typed in
    customer_source = np.where(
        contacts.imported, 3, np.where(contacts.opportunity_at != NONE, 4, 5)
    )
    source = np.choose(
        stage,
        [
            lead_source[contact],
            np.full(len(contact), 2),
            np.ones(len(contact), dtype=np.int64),
            np.full(len(contact), 4),
            customer_source[contact],
        ],
    )
    return contact, stage, times[contact, stage], source


def write_contacts(w: LandingWriter, contacts: Contacts, rank: np.ndarray) -> None:
    n = len(contacts)
    h_contact, h_stage, h_at, h_source = _lifecycle(contacts)
    current = np.full(n, NONE)
    np.maximum.at(current, h_contact, h_stage)
    updated = np.maximum.reduce(
        [
            contacts.created,
            contacts.touched_at,
            contacts.sql_at,
            contacts.opportunity_at,
            contacts.customer_at,
        ]
    )
    newest_first = np.lexsort((-h_at, rank[h_contact]))
    source_types = ("FORM", "CRM_UI", "AUTOMATION_PLATFORM", "IMPORT", "DEALS", "INTEGRATION")
    history = w.nested(
        rank[h_contact][newest_first],
        n,
        {
            "stage": h_stage[newest_first],
            "ts": h_at[newest_first],
            "source": h_source[newest_first],
        },
        f"{{'value': {lookup(LIFECYCLE, 'stage')}, 'timestamp': iso(ts), "
        f"'sourceType': {lookup(source_types, 'source')}}}",
    )
    by_id = np.argsort(rank)  # contacts in id (creation) order, as history is
    table = {
        "_row": np.arange(n),
        "company_id": hubspot_ids(COMPANY_BASE, contacts.company[by_id]),
        "created": contacts.created[by_id],
        "updated": updated[by_id],
        "source": contacts.source[by_id],
        "title": contacts.title[by_id],
        "sdr_id": hubspot_ids(OWNER_BASE, contacts.sdr[by_id]),
        "stage": current[by_id],
        "sql_at": contacts.sql_at[by_id],
        **{f"bant{i}": contacts.bant[by_id, i] for i in range(4)},
        "market": contacts.bmanter_market[by_id],
        "reference": contacts.bmanter_reference[by_id],
        "history": history,
    }
    number = "lpad((_row + 1)::varchar, 7, '0')"
    w.write(
        "crm",
        "contacts",
        "jsonl",
        f"""
        select _row, ({CONTACT_BASE + 1} + _row)::varchar as id,
            {{'email': 'contact.' || {number} || '@example.com',
              'firstname': 'Contact',
              'lastname': {number},
              'jobtitle': {lookup(JOB_TITLES, "title")},
              'associatedcompanyid': company_id::varchar,
              'hubspot_owner_id': sdr_id::varchar,
              'hs_analytics_source': {lookup(SOURCES, "source")},
              'lifecyclestage': {lookup(LIFECYCLE, "stage")},
              'createdate': iso(created),
              'bant_budget': tf(bant0),
              'bant_authority': tf(bant1),
              'bant_need': tf(bant2),
              'bant_timing': tf(bant3),
              'bant_qualified_at': iso(sql_at),
              'bmanter_market': tf(market),
              'bmanter_reference': tf(reference)}} as properties,
            iso(created) as createdAt, iso(updated) as updatedAt, false as archived,
            {{'lifecyclestage': history}} as propertiesWithHistory
        from contacts""",
        {"contacts": table},
    )


def write_deals(w: LandingWriter, deals: Deals, contact_rank: np.ndarray) -> None:
    n = len(deals)
    updated = np.zeros(n, dtype=np.int64)
    np.maximum.at(updated, deals.history_deal, deals.history_at)
    second = np.where(deals.second_contact != NONE, contact_rank[deals.second_contact], NONE)
    newest_first = np.lexsort((-deals.history_at, deals.history_deal))
    history = w.nested(
        deals.history_deal[newest_first],
        n,
        {"stage": deals.history_stage[newest_first], "ts": deals.history_at[newest_first]},
        f"{{'value': {lookup(STAGES, 'stage')}, 'timestamp': iso(ts), 'sourceType': 'CRM_UI'}}",
    )
    table = {
        "_row": np.arange(n),
        "company": deals.company,
        "company_id": hubspot_ids(COMPANY_BASE, deals.company),
        "contact_id": hubspot_ids(CONTACT_BASE, contact_rank[deals.contact]),
        "contact2_id": hubspot_ids(CONTACT_BASE, second),
        "owner_id": hubspot_ids(OWNER_BASE, deals.owner),
        "origin": deals.origin,
        "motion": deals.motion,
        "created": deals.created,
        "updated": np.maximum(updated, deals.created),
        "amount": deals.amount.astype(np.int64),
        "currency": deals.currency,
        "stage": deals.stage,
        "close_date": deals.close_date,
        "lost_reason": deals.lost_reason,
        **{f"m{i}": deals.meddic[:, i].astype(np.int8) for i in range(8)},
        "history": history,
    }
    meddic = ",\n".join(f"'{name}': tf(m{i})" for i, name in enumerate(MEDDIC_FIELDS))
    w.write(
        "crm",
        "deals",
        "jsonl",
        f"""
        select _row, ({DEAL_BASE + 1} + _row)::varchar as id,
            {{'dealname': {company_name_sql("company")} || ' - new business',
              'amount': amount::varchar,
              'deal_currency_code': {lookup(CURRENCIES, "currency")},
              'pipeline': 'default',
              'dealstage': {lookup(STAGES, "stage")},
              'closedate': iso(close_date),
              'createdate': iso(created),
              'hubspot_owner_id': owner_id::varchar,
              'deal_origin': {lookup(ORIGINS, "origin")},
              {meddic},
              'closed_lost_reason': {lookup(LOST_REASONS, "lost_reason")},
              'dealtype': {lookup(MOTIONS, "motion")}}} as properties,
            iso(created) as createdAt, iso(updated) as updatedAt, false as archived,
            {{'companies': {{'results':
                  [{{'id': company_id::varchar, 'type': 'deal_to_company'}}]}},
              'contacts': {{'results': case when contact2_id = -1
                  then [{{'id': contact_id::varchar, 'type': 'deal_to_contact'}}]
                  else [{{'id': contact_id::varchar, 'type': 'deal_to_contact'}},
                        {{'id': contact2_id::varchar, 'type': 'deal_to_contact'}}] end}}
            }} as associations,
            {{'dealstage': history}} as propertiesWithHistory
        from deals""",
        {"deals": table},
    )


def write_engagements(
    w: LandingWriter, activities: Activities, contact_rank: np.ndarray, seed: int
) -> None:
    rng = stream(seed, "engagement-details")
    n = len(activities.at)
    # Unanswered calls last seconds, conversations minutes.
    answered = rng.random(n) < 0.65
    seconds = np.where(answered, np.exp(rng.normal(np.log(300), 0.7, n)), rng.uniform(5, 40, n))
    duration = np.where(activities.kind == CALL, (seconds * SECOND_MS).astype(np.int64), NONE)
    direction = np.where(activities.kind == EMAIL, (rng.random(n) < 0.25).astype(np.int64), NONE)
    contact = np.where(
        activities.contact != NONE, contact_rank[np.maximum(activities.contact, 0)], NONE
    )
    engagements = {
        "_row": np.arange(n),
        "kind": activities.kind,
        "ts": activities.at,
        "owner_id": hubspot_ids(OWNER_BASE, activities.owner),
        "company_id": hubspot_ids(COMPANY_BASE, activities.company),
        "contact_id": hubspot_ids(CONTACT_BASE, contact),
        "deal_id": hubspot_ids(DEAL_BASE, activities.deal),
        "duration": duration,
        "direction": direction,
    }

    def association(column: str, kind: str) -> str:
        return (
            f"{{'results': case when {column} = -1 then [] else "
            f"[{{'id': {column}::varchar, 'type': 'engagement_to_{kind}'}}] end}}"
        )

    w.write(
        "crm",
        "engagements",
        "jsonl",
        f"""
        select _row, ({ENGAGEMENT_BASE + 1} + _row)::varchar as id,
            {{'hs_engagement_type': {lookup(ENGAGEMENT_TYPES, "kind")},
              'hs_timestamp': iso(ts),
              'hubspot_owner_id': owner_id::varchar,
              'hs_call_duration': nullif(duration, -1)::varchar,
              'hs_email_direction': {lookup(("EMAIL", "INCOMING_EMAIL"), "direction")}}}
              as properties,
            iso(ts) as createdAt, iso(ts + 120) as updatedAt, false as archived,
            {{'contacts': {association("contact_id", "contact")},
              'companies': {association("company_id", "company")},
              'deals': {association("deal_id", "deal")}}} as associations
        from engagements""",
        {"engagements": engagements},
    )
