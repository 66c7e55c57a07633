"""A day in the CRM: new leads (contacts, a few companies), deal stage moves and corrections.

New objects copy the traits of a recent object (owner, company, source, title, firmographics),
so every reference points to an existing row and volumes follow history: the day creates as
many contacts and companies as were created on the same weekday a week earlier. Changed
objects are re-exported as a new version of the delivered JSON (patched, newer `updatedAt`),
as HubSpot's incremental export returns them.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from generator.common import DAY, stream
from generator.daily_events import NewLeads
from generator.daily_state import (
    CATALOG,
    Landing,
    epoch_day,
    file_rank,
    office_time,
    reader,
    sql_list,
)
from generator.deals import CLOSED_LOST, CLOSED_WON, LOST_REASONS, STAGES
from generator.funnel import JOB_TITLES, SOURCES
from generator.ids import COMPANY_BASE, CONTACT_BASE
from generator.write_crm import company_name_sql
from generator.writers import LandingWriter, lookup

# Objects created this many days back serve as templates and correction candidates: fresh
# records are the ones people fix, and the window keeps the scan off old history.
RECENT_DAYS = 28
# Companies are created a few a month: their daily rate is the mean over a quarter.
COMPANY_RATE_DAYS = 91
CONTACT_LAG_DAYS = 7  # a day creates as many contacts as the same weekday a week earlier
CONTACT_CORRECTION_RATE = 0.01  # per recent contact and day: a job title fixed
DEAL_CORRECTION_RATE = 0.01  # per open deal and day: the amount re-estimated
STAGE_MOVE_RATE = 0.05  # per open deal and business day
ADVANCE_SHARE = 0.8  # a moving deal advances a stage; otherwise it is lost
NEGOTIATION_WIN_SHARE = 0.5  # a deal leaving negotiation is won, or lost
# Lead sources typed in by a rep rather than captured by a form.
TYPED_IN_SOURCES = (SOURCES.index("REFERRALS"), SOURCES.index("OFFLINE"))


def write_crm_day(w: LandingWriter, landing: Landing, day: date, seed: int) -> NewLeads:
    start = epoch_day(day)
    quarter_ago = day - timedelta(days=COMPANY_RATE_DAYS)
    last_company = _recent(w, landing, "crm_companies", day, quarter_ago)
    last_contact = _recent(w, landing, "crm_contacts", day, day - timedelta(days=RECENT_DAYS))
    replayed = epoch_day(day - timedelta(days=CONTACT_LAG_DAYS))
    contacts = _created_between(w, "crm_contacts", replayed, replayed + DAY)
    rng = stream(seed, f"daily-crm-{day.isoformat()}")
    rate = _created_between(w, "crm_companies", epoch_day(quarter_ago), start) / COMPANY_RATE_DAYS
    # Every new company comes with its first contact.
    companies = min(int(rng.poisson(rate)), contacts)
    company_ids = _new_companies(w, last_company + 1, rng, companies, start)
    leads = _contacts(w, last_contact + 1, rng, contacts, company_ids, start)
    _deals(w, landing, day, rng, start)
    return leads


def _recent(w: LandingWriter, landing: Landing, raw_table: str, day: date, since: date) -> int:
    """Create `_recent_<table>`: the latest version of every object created since `since`,
    with a 0-based `k` in id order for picking templates. Return the largest id delivered.

    Objects created after the initial export only live in `date=` files: once the window has
    left the export, only those are read, so a day costs the same after a year of increments.
    """
    files = landing.files(raw_table, day)
    skip_export = since > landing.history_end
    if skip_export:
        files = [p for p in files if not landing.is_export(p)]
    low = epoch_day(since)
    # One parse per record for the three fields (a json function per field parses it thrice).
    w.con.execute(f"""
        create or replace temp table _scan as
        select fields[1]::bigint as id,
            epoch_us(fields[2]::timestamptz) // 1000000 as created,
            fields[3] as updated, rank, case when created >= {low} then json end as json
        from (
            select json, {file_rank(files)} as rank,
                json_extract_string(json, ['$.id', '$.createdAt', '$.updatedAt']) as fields
            from {reader(CATALOG[raw_table], files)}
        )""")
    w.con.execute(f"""
        create or replace temp table _recent_{raw_table} as
        select row_number() over (order by id) - 1 as k, json, id, created
        from _scan where created >= {low}
        qualify row_number() over (partition by id order by updated desc, rank desc) = 1
        order by id""")
    largest, newest = w.con.execute("select max(id), max(created) from _scan").fetchone()
    if skip_export and (newest is None or newest < epoch_day(landing.history_end)):
        # No object created by an increment was read: the largest id is the export's.
        paths = sql_list([p for p in landing.files(raw_table, day) if landing.is_export(p)])
        largest = w.con.execute(
            f"select max(id::bigint) from read_json({paths}, columns = {{'id': 'VARCHAR'}})"
        ).fetchone()[0]
    w.con.execute("drop table _scan")
    return int(largest)


def _created_between(w: LandingWriter, raw_table: str, low: int, high: int) -> int:
    return w.con.execute(
        f"select count(*) from _recent_{raw_table} where created >= {low} and created < {high}"
    ).fetchone()[0]


def _templates(w: LandingWriter, raw_table: str, rng: np.random.Generator, n: int) -> np.ndarray:
    available = w.con.execute(f"select count(*) from _recent_{raw_table}").fetchone()[0]
    return rng.integers(0, max(available, 1), n)


def _new_companies(
    w: LandingWriter, first: int, rng: np.random.Generator, n: int, start: int
) -> np.ndarray:
    """Write the day's `n` new companies, numbered from `first`; return their ids."""
    ids = first + np.arange(n, dtype=np.int64)
    template = _templates(w, "crm_companies", rng, n)
    w.register(
        "_new_companies",
        {"id": ids, "template": template, "created": office_time(rng, start, n)},
    )
    name = company_name_sql(f"(n.id - {COMPANY_BASE + 1})")
    sql = f"""
        select to_json({{
            'id': n.id::varchar,
            'properties': {{
                'name': {name},
                'domain': lower(replace({name}, ' ', '-')) || '.example.com',
                'industry': t.json->>'$.properties.industry',
                'country': t.json->>'$.properties.country',
                'numberofemployees': t.json->>'$.properties.numberofemployees',
                'annualrevenue': t.json->>'$.properties.annualrevenue',
                'hubspot_owner_id': t.json->>'$.properties.hubspot_owner_id',
                'createdate': iso(n.created)}},
            'createdAt': iso(n.created), 'updatedAt': iso(n.created), 'archived': false}})
        from _new_companies as n join _recent_crm_companies as t on t.k = n.template
        order by n.id"""
    if n:
        w.write_json_text("crm", "companies", sql)
    return ids


def _contacts(
    w: LandingWriter,
    first: int,
    rng: np.random.Generator,
    n: int,
    company_ids: np.ndarray,
    start: int,
) -> NewLeads:
    """Write the day's `n` new contacts (numbered from `first`) and corrected ones; return
    the new contacts a form created."""
    ids = first + np.arange(n, dtype=np.int64)
    template = _templates(w, "crm_contacts", rng, n)
    # The first contacts open the new companies; the others join their template's company.
    company = np.full(n, -1, dtype=np.int64)
    company[: len(company_ids)] = company_ids
    created = office_time(rng, start, n)
    w.register(
        "_new_contacts",
        {"id": ids, "template": template, "company": company, "created": created},
    )
    recent = w.con.execute("select count(*) from _recent_crm_contacts").fetchone()[0]
    corrected = np.flatnonzero(rng.random(recent) < CONTACT_CORRECTION_RATE)
    w.register(
        "_corrected_contacts",
        {
            "k": corrected,
            "shift": rng.integers(1, len(JOB_TITLES), len(corrected)),
            "at": office_time(rng, start, len(corrected)),
        },
    )
    titles = _sql_tuple(JOB_TITLES)
    typed_in = ", ".join(f"'{SOURCES[s]}'" for s in TYPED_IN_SOURCES)
    number = f"lpad((n.id - {CONTACT_BASE})::varchar, 7, '0')"
    new_sql = f"""
        select n.id, to_json({{
            'id': n.id::varchar,
            'properties': {{
                'email': 'contact.' || {number} || '@example.com',
                'firstname': 'Contact',
                'lastname': {number},
                'jobtitle': t.json->>'$.properties.jobtitle',
                'associatedcompanyid': case when n.company = -1
                    then t.json->>'$.properties.associatedcompanyid'
                    else n.company::varchar end,
                'hubspot_owner_id': t.json->>'$.properties.hubspot_owner_id',
                'hs_analytics_source': t.json->>'$.properties.hs_analytics_source',
                'lifecyclestage': 'lead',
                'createdate': iso(n.created),
                'bant_budget': null::varchar, 'bant_authority': null::varchar,
                'bant_need': null::varchar, 'bant_timing': null::varchar,
                'bant_qualified_at': null::varchar,
                'bmanter_market': null::varchar, 'bmanter_reference': null::varchar}},
            'createdAt': iso(n.created), 'updatedAt': iso(n.created), 'archived': false,
            'propertiesWithHistory': {{'lifecyclestage': [{{
                'value': 'lead', 'timestamp': iso(n.created),
                'sourceType': case when t.json->>'$.properties.hs_analytics_source'
                    in ({typed_in}) then 'CRM_UI' else 'FORM' end}}]}}}}) as record,
            t.json->>'$.properties.hs_analytics_source' not in ({typed_in}) as by_form,
            n.created
        from _new_contacts as n join _recent_crm_contacts as t on t.k = n.template"""
    corrected_sql = f"""
        select r.id, json_merge_patch(r.json, json_object(
                'properties', json_object('jobtitle', {titles}[
                    (list_position({titles}, r.json->>'$.properties.jobtitle') - 1 + c.shift)
                    % {len(JOB_TITLES)} + 1]),
                'updatedAt', iso(c.at))) as record
        from _corrected_contacts as c join _recent_crm_contacts as r on r.k = c.k"""
    w.con.execute(f"create or replace temp table _day_contacts as {new_sql}")
    if n + len(corrected):
        w.write_json_text(
            "crm",
            "contacts",
            f"""select record from (
                select id, record from _day_contacts union all {corrected_sql}) order by id""",
        )
    leads = w.con.execute(
        "select id, created from _day_contacts where by_form order by id"
    ).fetchnumpy()
    return NewLeads(leads["id"].astype(np.int64), leads["created"].astype(np.int64))


def _deals(
    w: LandingWriter, landing: Landing, day: date, rng: np.random.Generator, start: int
) -> None:
    """Open deals move a stage on business days; a few get their amount re-estimated."""
    files = landing.files("crm_deals", day)
    closed = f"('{STAGES[CLOSED_WON]}', '{STAGES[CLOSED_LOST]}')"
    w.con.execute(f"""
        create or replace temp table _open_deals as
        select row_number() over (order by id) - 1 as k, *
        from (
            select json, json_extract_string(json, '$.id')::bigint as id,
                list_position({_sql_tuple(STAGES)}, json->>'$.properties.dealstage') - 1
                    as stage
            from {reader(CATALOG["crm_deals"], files)}
            qualify row_number() over (
                partition by json_extract_string(json, '$.id')
                order by json_extract_string(json, '$.updatedAt') desc, {file_rank(files)} desc
            ) = 1
        )
        where json->>'$.properties.dealstage' not in {closed}
        order by id""")
    stage = w.con.execute("select stage from _open_deals order by k").fetchnumpy()["stage"]
    n = len(stage)
    business_day = (start // DAY + 3) % 7 < 5
    moves = (rng.random(n) < STAGE_MOVE_RATE) & business_day
    advance = np.where(
        stage == CLOSED_WON - 1,
        rng.random(n) < NEGOTIATION_WIN_SHARE,
        rng.random(n) < ADVANCE_SHARE,
    )
    new_stage = np.where(advance, stage + 1, CLOSED_LOST)
    corrected = ~moves & (rng.random(n) < DEAL_CORRECTION_RATE)
    changed = np.flatnonzero(moves | corrected)
    if not len(changed):
        return
    w.register(
        "_deal_changes",
        {
            "k": changed,
            "moves": moves[changed],
            "stage": new_stage[changed],
            "reason": rng.integers(0, len(LOST_REASONS), len(changed)),
            "factor": rng.uniform(0.8, 1.2, len(changed)),
            "at": office_time(rng, start, len(changed)),
        },
    )
    entry = "json_object('value', stage_name, 'timestamp', iso(c.at), 'sourceType', 'CRM_UI')"
    history = "(d.json->'$.propertiesWithHistory.dealstage')::json[]"
    w.write_json_text(
        "crm",
        "deals",
        f"""
        select case when c.moves then json_merge_patch(d.json, json_object(
                'properties', json_merge_patch(
                    json_object('dealstage', stage_name),
                    case when c.stage in ({CLOSED_WON}, {CLOSED_LOST})
                        then json_object('closedate', iso(c.at)) else '{{}}'::json end,
                    case when c.stage = {CLOSED_LOST}
                        then json_object('closed_lost_reason', {lookup(LOST_REASONS, "c.reason")})
                        else '{{}}'::json end),
                'updatedAt', iso(c.at),
                'propertiesWithHistory', json_object(
                    'dealstage', to_json(list_prepend({entry}, {history})))))
            else json_merge_patch(d.json, json_object(
                'properties', json_object('amount', round(
                    (d.json->>'$.properties.amount')::double * c.factor)::bigint::varchar),
                'updatedAt', iso(c.at))) end
        from (select *, {lookup(STAGES, "stage")} as stage_name from _deal_changes) as c
        join _open_deals as d on d.k = c.k
        order by d.id""",
    )


def _sql_tuple(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"
