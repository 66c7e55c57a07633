"""The same company as a Salesforce org: the HubSpot exports rewritten as Salesforce REST records.

`revops-generate --crm salesforce` draws the company exactly as for HubSpot, writes its HubSpot
exports, then rewrites them here, so both CRMs hold the same people, deals, amounts and times:
- ids: Salesforce's 18-character ids, the object's key prefix then the HubSpot number (`001` +
  zero-padded company number); the other systems' exports are rewritten to name them.
- people: a contact whose history starts before the opportunity stage is a Lead until that
  stage, then converted (`IsConverted`, `Converted*Id`, `ConvertedDate`) into a Contact with the
  same number; one imported at a later stage is a Contact from the start; one that never reached
  it stays a Lead. The lifecycle stage is the custom field `Lifecycle_Stage__c`, its changes in
  LeadHistory before the conversion and ContactHistory from it. The other systems name a
  person's current record (the contact once converted), as a re-export after conversion does.
- the org's own names: BANT / MEDDIC checkboxes are `__c` fields, stages and sources the org's
  picklist values, named by the `crm/mapping.yml` written beside the export.
- deals: Opportunities with `IsClosed` / `IsWon`, `Probability` in percent, `CurrencyIsoCode`;
  their stage changes in OpportunityHistory. Calls and emails are Tasks, meetings Events.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb

from dagster_project.crm_fields import MEDDIC_FIELDS
from dagster_project.source_catalog import DEAL_STAGES, LIFECYCLE_STAGES, SALESFORCE_ID_PREFIXES
from dagster_project.sql_text import sql_text

# The org's picklist values for the contract's stages, sources and origins (mapping.yml).
STAGE_NAMES = {
    "detection": "Prospecting",
    "qualification": "Qualification",
    "discovery": "Needs Analysis",
    "demo": "Value Proposition",
    "proposal": "Proposal/Price Quote",
    "negotiation": "Negotiation/Review",
    "closedwon": "Closed Won",
    "closedlost": "Closed Lost",
}
LIFECYCLE_NAMES = {
    "lead": "Lead",
    "marketingqualifiedlead": "MQL",
    "salesqualifiedlead": "SQL",
    "opportunity": "Opportunity",
    "customer": "Customer",
}
SOURCE_NAMES = {
    "ORGANIC_SEARCH": "Organic Search",
    "PAID_SEARCH": "Paid Search",
    "PAID_SOCIAL": "Paid Social",
    "EMAIL_MARKETING": "Email",
    "REFERRALS": "Referral",
    "DIRECT_TRAFFIC": "Web Direct",
    "OFFLINE": "Event",
}
ORIGIN_NAMES = {"marketing": "Marketing", "outbound": "Outbound", "referral": "Partner Referral"}
DEAL_TYPE_NAMES = {
    "newbusiness": "New Business",
    "existingbusiness": "Existing Business",
    "renewal": "Renewal",
}
# Salesforce's default probability (percent) per stage, as the org's stage picklist sets it.
STAGE_PROBABILITY = dict(zip(DEAL_STAGES, (5, 10, 20, 40, 60, 80, 100, 0), strict=True))
CONTACT_FIELDS = {
    "lifecyclestage": "Lifecycle_Stage__c",
    "hs_analytics_source": "LeadSource",
    "bant_budget": "BANT_Budget__c",
    "bant_authority": "BANT_Authority__c",
    "bant_need": "BANT_Need__c",
    "bant_timing": "BANT_Timing__c",
    "bant_qualified_at": "BANT_Qualified_At__c",
    "bmanter_market": "BMANTER_Market__c",
    "bmanter_reference": "BMANTER_Reference__c",
}


def _custom_field(name: str) -> str:
    """`meddic_economic_buyer` -> `MEDDIC_Economic_Buyer__c`: the org's custom checkbox."""
    framework, rest = name.split("_", 1)
    return f"{framework.upper()}_{'_'.join(word.title() for word in rest.split('_'))}__c"


DEAL_FIELDS = {
    "dealstage": "StageName",
    "deal_origin": "LeadSource",
    **{name: _custom_field(name) for name in MEDDIC_FIELDS},
}
_HUBSPOT_TABLES = ("owners", "companies", "contacts", "deals", "engagements")
# Where the org's generator keeps the same company's HubSpot exports (generate_org_day).
HUBSPOT_TWIN = ".hubspot"
# Objects only ever added to (history rows, contact roles): a day delivers the new ones only.
_APPENDED = ("opportunity_history", "opportunity_contact_role", "lead_history", "contact_history")
_LATER_STAGES = ("opportunity", "customer")

# The other systems' references to CRM records: (system, table, format, field, object).
_REFERENCES = (
    ("marketing", "email_events", "csv", "contact_id", "person"),
    ("marketing", "page_views", "csv", "contact_id", "person"),
    ("marketing", "form_submissions", "csv", "contact_id", "person"),
    ("product", "workspaces", "jsonl", "crm_company_id", "account"),
    ("product", "users", "jsonl", "crm_contact_id", "person"),
    ("success", "tickets", "jsonl", "organization_id", "account"),
    ("success", "tickets", "jsonl", "requester_id", "person"),
    ("success", "survey_responses", "jsonl", "company_id", "account"),
    ("success", "survey_responses", "jsonl", "contact_id", "person"),
)


def _map(values: dict[str, str]) -> str:
    entries = ", ".join(f"{sql_text(k)}: {sql_text(v)}" for k, v in values.items())
    return f"map {{{entries}}}"


def _macros(con: duckdb.DuckDBPyConnection) -> None:
    ids = SALESFORCE_ID_PREFIXES
    for name, prefix in ids.items():
        con.execute(f"create macro {name}_id(n) as '{prefix}' || lpad(n::varchar, 15, '0')")
    con.execute("create macro sfts(iso) as replace(iso, 'Z', '+0000')")
    con.execute(
        "create macro attributes(type, id) as "
        "{'type': type, 'url': '/services/data/v60.0/sobjects/' || type || '/' || id}"
    )
    con.execute(f"create macro stage_name(s) as ({_map(STAGE_NAMES)})[s]")
    con.execute(f"create macro lifecycle_name(s) as ({_map(LIFECYCLE_NAMES)})[s]")
    con.execute(f"create macro source_name(s) as ({_map(SOURCE_NAMES)})[s]")
    con.execute(f"create macro origin_name(s) as ({_map(ORIGIN_NAMES)})[s]")
    con.execute(f"create macro deal_type(s) as ({_map(DEAL_TYPE_NAMES)})[s]")
    probabilities = ", ".join(f"{sql_text(k)}: {v}" for k, v in STAGE_PROBABILITY.items())
    con.execute(f"create macro probability(s) as (map {{{probabilities}}})[s]::double")
    con.execute("create macro flag(v) as try_cast(v as boolean)")


def _read(con: duckdb.DuckDBPyConnection, crm_dir: Path, day: date | None = None) -> None:
    """The HubSpot records as of `day` (every file when None): the initial export and the
    increments up to that day, each record's latest version."""
    for table in _HUBSPOT_TABLES:
        files = [crm_dir / table / "*.jsonl"]
        if day is not None:
            files += sorted(
                path / "*.jsonl"
                for path in (crm_dir / table).glob("date=*")
                if path.name <= f"date={day.isoformat()}"
            )
        listed = ", ".join(sql_text(str(f)) for f in files)
        # A later file's version wins: increments sort after the initial export by name.
        con.execute(
            f"create table hs_{table} as select json, json ->> 'id' as n, "
            "json -> 'properties' as p from read_ndjson_objects("
            f"[{listed}], filename = true) "
            "qualify row_number() over (partition by n order by "
            "coalesce(regexp_extract(filename, 'date=([0-9-]+)', 1), '') desc) = 1 "
            "order by n::bigint"
        )
    # Every lifecycle change, oldest first, and who is a lead, a contact or both.
    con.execute(
        "create table changes as select n, h ->> 'value' as stage, h ->> 'timestamp' as ts "
        "from hs_contacts, unnest(json_extract(json, '$.propertiesWithHistory.lifecyclestage[*]')) "
        "as t(h)"
    )
    # Every person associated with a deal, the primary one first.
    con.execute(
        "create table deal_people as select hs_deals.n as deal, a.value ->> 'id' as person, "
        "a.key::int as position, p ->> 'createdate' as created from hs_deals, "
        "json_each(json -> 'associations' -> 'contacts' -> 'results') as a"
    )
    later = ", ".join(sql_text(s) for s in _LATER_STAGES)
    # A lead converts when it reaches a later stage; one named on a deal before that converts
    # when the deal names it, without an opportunity: an opportunity's contact roles (its buying
    # committee) name contacts, never leads.
    con.execute(
        f"""
        create table people as
        select hs_contacts.*,
            coalesce(
                (select min(ts) from changes c where c.n = hs_contacts.n
                    and c.stage in ({later})),
                (select min(greatest(dp.created, hs_contacts.p ->> 'createdate'))
                    from deal_people as dp where dp.person = hs_contacts.n)
            ) as converted_at,
            exists (select 1 from changes c where c.n = hs_contacts.n
                and c.stage not in ({later})) as was_lead
        from hs_contacts
        """
    )
    con.execute(
        "create table person_ids as select n, "
        "not was_lead or converted_at is not null as is_contact, "
        "case when not was_lead or converted_at is not null then contact_id(n) "
        "else lead_id(n) end as sfid from people"
    )
    con.execute(
        "create table deal_contacts as select n as deal, "
        "json -> 'associations' -> 'contacts' -> 'results' -> 0 ->> 'id' as person, "
        "json -> 'associations' -> 'companies' -> 'results' -> 0 ->> 'id' as company, "
        "p ->> 'createdate' as created from hs_deals"
    )


def _person_fields(record: str) -> str:
    """The fields a Lead and its Contact share (copied over at conversion)."""
    flags = ",\n".join(
        f"'{CONTACT_FIELDS[name]}': flag({record}.p ->> '{name}')"
        for name in ("bant_budget", "bant_authority", "bant_need", "bant_timing")
    )
    return f"""
        'FirstName': {record}.p ->> 'firstname',
        'LastName': {record}.p ->> 'lastname',
        'Email': {record}.p ->> 'email',
        'Title': {record}.p ->> 'jobtitle',
        'OwnerId': user_id({record}.p ->> 'hubspot_owner_id'),
        'LeadSource': source_name({record}.p ->> 'hs_analytics_source'),
        {flags},
        'BANT_Qualified_At__c': sfts({record}.p ->> 'bant_qualified_at'),
        'BMANTER_Market__c': flag({record}.p ->> 'bmanter_market'),
        'BMANTER_Reference__c': flag({record}.p ->> 'bmanter_reference')"""


def _write(folder: Path, lines: list[str]) -> int:
    """The records as one JSON lines file in `folder` (replaced)."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / "part-0000.jsonl").write_text(
        "".join(f"{line}\n" for line in lines), encoding="utf-8"
    )
    return len(lines)


def _objects(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Every object's records, one JSON text each, in output order."""
    rows: dict[str, list[str]] = {}

    def write(table: str, sql: str) -> None:
        records = con.execute(f"select to_json(r)::varchar from ({sql})").fetchall()
        rows[table] = [record[0] for record in records]

    write(
        "user_role",
        """select {'attributes': attributes('UserRole', user_role_id(team_number)),
                'Id': user_role_id(team_number), 'IsDeleted': false, 'Name': team,
                'DeveloperName': replace(team, ' ', '_'), 'CreatedDate': sfts(created),
                'SystemModstamp': sfts(created)} as r
        from (select p ->> 'team' as team, min(json ->> 'createdAt') as created,
                row_number() over (order by team) as team_number
            from hs_owners group by 1) order by team_number""",
    )
    write(
        "user",
        """select {'attributes': attributes('User', user_id(o.n)), 'Id': user_id(o.n),
                'IsDeleted': false, 'Username': o.p ->> 'email', 'Email': o.p ->> 'email',
                'FirstName': o.p ->> 'firstname', 'LastName': o.p ->> 'lastname',
                'Title': o.p ->> 'role', 'UserRoleId': user_role_id(roles.team_number),
                'IsActive': true,
                'Quarterly_Quota_EUR__c': (o.p ->> 'quarterly_quota_eur')::double,
                'Hire_Date__c': o.p ->> 'hire_date',
                'CreatedDate': sfts(o.json ->> 'createdAt'),
                'SystemModstamp': sfts(o.json ->> 'updatedAt')} as r
        from hs_owners as o
        join (select team, row_number() over (order by team) as team_number
            from (select distinct p ->> 'team' as team from hs_owners)) as roles
            on roles.team = (o.p ->> 'team')
        order by o.n::bigint""",
    )
    write(
        "account",
        """select {'attributes': attributes('Account', account_id(n)), 'Id': account_id(n),
                'IsDeleted': false, 'Name': p ->> 'name', 'Website': p ->> 'domain',
                'Industry': p ->> 'industry', 'BillingCountry': p ->> 'country',
                'NumberOfEmployees': (p ->> 'numberofemployees')::bigint,
                'AnnualRevenue': (p ->> 'annualrevenue')::double,
                'OwnerId': user_id(p ->> 'hubspot_owner_id'),
                'CreatedDate': sfts(p ->> 'createdate'),
                'SystemModstamp': sfts(json ->> 'updatedAt')} as r
        from hs_companies order by n::bigint""",
    )
    write(
        "contact",
        f"""select {{'attributes': attributes('Contact', contact_id(people.n)),
                'Id': contact_id(people.n), 'IsDeleted': false,
                'AccountId': account_id(people.p ->> 'associatedcompanyid'),
                {_person_fields("people")},
                'Lifecycle_Stage__c': lifecycle_name(people.p ->> 'lifecyclestage'),
                'CreatedDate': sfts(case when was_lead then converted_at
                    else people.p ->> 'createdate' end),
                'SystemModstamp': sfts(greatest(people.json ->> 'updatedAt', converted_at))}} as r
        from people join person_ids using (n)
        where is_contact order by people.n::bigint""",
    )
    write(
        "opportunity",
        f"""select {{'attributes': attributes('Opportunity', opportunity_id(d.n)),
                'Id': opportunity_id(d.n), 'IsDeleted': false,
                'AccountId': account_id(dc.company),
                'ContactId': case when ids.is_contact then ids.sfid end,
                'Name': d.p ->> 'dealname', 'Amount': (d.p ->> 'amount')::double,
                'CurrencyIsoCode': d.p ->> 'deal_currency_code',
                'StageName': stage_name(d.p ->> 'dealstage'),
                'Probability': probability(d.p ->> 'dealstage'),
                'IsClosed': (d.p ->> 'dealstage') in ('closedwon', 'closedlost'),
                'IsWon': (d.p ->> 'dealstage') = 'closedwon',
                'CloseDate': left(d.p ->> 'closedate', 10),
                'Type': deal_type(d.p ->> 'dealtype'),
                'LeadSource': origin_name(d.p ->> 'deal_origin'),
                'OwnerId': user_id(d.p ->> 'hubspot_owner_id'),
                'Loss_Reason__c': d.p ->> 'closed_lost_reason',
                {", ".join(f"'{DEAL_FIELDS[m]}': flag(d.p ->> '{m}')" for m in MEDDIC_FIELDS)},
                'CreatedDate': sfts(d.p ->> 'createdate'),
                'SystemModstamp': sfts(d.json ->> 'updatedAt')}} as r
        from hs_deals as d
        join deal_contacts as dc on dc.deal = d.n
        left join person_ids as ids on ids.n = dc.person
        order by d.n::bigint""",
    )
    write(
        "lead",
        f"""select {{'attributes': attributes('Lead', lead_id(people.n)),
                'Id': lead_id(people.n), 'IsDeleted': false,
                {_person_fields("people")},
                'Company': companies.p ->> 'name',
                'Account__c': account_id(people.p ->> 'associatedcompanyid'),
                'Status': case when converted_at is null then 'Working' else 'Qualified' end,
                'Lifecycle_Stage__c': lifecycle_name(coalesce(
                    (select arg_max(c.stage, c.ts) from changes as c
                     where c.n = people.n and c.ts < people.converted_at),
                    people.p ->> 'lifecyclestage')),
                'IsConverted': converted_at is not null,
                'ConvertedDate': left(converted_at, 10),
                'ConvertedAccountId': case when converted_at is not null
                    then account_id(people.p ->> 'associatedcompanyid') end,
                'ConvertedContactId': case when converted_at is not null
                    then contact_id(people.n) end,
                'ConvertedOpportunityId': (select opportunity_id(arg_min(dc.deal, dc.created))
                    from deal_contacts as dc
                    where dc.person = people.n and converted_at is not null),
                'CreatedDate': sfts(people.p ->> 'createdate'),
                'SystemModstamp': sfts(greatest(people.json ->> 'updatedAt', converted_at))}} as r
        from people
        left join hs_companies as companies
            on companies.n = (people.p ->> 'associatedcompanyid')
        where was_lead order by people.n::bigint""",
    )
    write(
        "opportunity_history",
        """select {'attributes': attributes('OpportunityHistory', opportunity_history_id(number)),
                'Id': opportunity_history_id(number), 'IsDeleted': false,
                'OpportunityId': opportunity_id(deal), 'StageName': stage_name(stage),
                'Amount': amount, 'Probability': probability(stage), 'CloseDate': close_date,
                'CreatedDate': sfts(ts), 'SystemModstamp': sfts(ts)} as r
        from (select n as deal, h ->> 'value' as stage, h ->> 'timestamp' as ts,
                (p ->> 'amount')::double as amount, left(p ->> 'closedate', 10) as close_date,
                n::bigint * 1000 + row_number() over (
                    partition by n order by h ->> 'timestamp', h ->> 'value') as number
            from hs_deals, unnest(json_extract(json, '$.propertiesWithHistory.dealstage[*]'))
                as t(h))
        order by number""",
    )
    write(
        "opportunity_contact_role",
        """select {'attributes': attributes('OpportunityContactRole',
                    opportunity_contact_role_id(number)),
                'Id': opportunity_contact_role_id(number), 'IsDeleted': false,
                'OpportunityId': opportunity_id(deal), 'ContactId': contact_id(person),
                'IsPrimary': position = 0, 'Role': null::varchar,
                'CreatedDate': sfts(created), 'SystemModstamp': sfts(created)} as r
        from (select *, deal::bigint * 1000 + position + 1 as number from deal_people)
        order by number""",
    )
    # Field history as an org records it: a `created` row when the record is created (no
    # value: the first stage is the one it was created with), then one row per change. A
    # lead's changes before its conversion are on the Lead; the Contact is created at the
    # conversion with the stage then current, its later changes on it.
    con.execute(
        "create table stage_changes as select *, "
        "lag(stage) over (partition by n order by ts) as old_stage, "
        "row_number() over (partition by n order by ts) as position from changes"
    )
    history = """
        select {{'attributes': attributes('{object}History', {table}_id(number)),
                'Id': {table}_id(number), 'IsDeleted': false,
                '{object}Id': {object_id}, 'Field': field,
                'OldValue': lifecycle_name(old_stage), 'NewValue': lifecycle_name(new_stage),
                'CreatedDate': sfts(ts)}} as r
        from (select *, n::bigint * 1000 + row_number() over (
                    partition by n order by ts, field != 'created') as number
            from (select n, 'created' as field, null as old_stage, null as new_stage,
                    {created} as ts
                from people join person_ids using (n) where {record}
                union all
                select n, 'Lifecycle_Stage__c', old_stage, stage, ts
                from stage_changes join people using (n) join person_ids using (n)
                where {record} and {changes}))
        order by number"""
    on_lead = "(converted_at is null or ts < converted_at)"
    write(
        "lead_history",
        history.format(
            object="Lead",
            table="lead_history",
            object_id="lead_id(n)",
            created="p ->> 'createdate'",
            record="was_lead",
            changes=f"position > 1 and {on_lead}",
        ),
    )
    write(
        "contact_history",
        history.format(
            object="Contact",
            table="contact_history",
            object_id="contact_id(n)",
            created="case when was_lead then converted_at else p ->> 'createdate' end",
            record="is_contact",
            changes="position > 1 and (not was_lead or ts > converted_at)",
        ),
    )
    activity = """
        select {{'attributes': attributes('{object}', {table}_id(e.n)),
                'Id': {table}_id(e.n), 'IsDeleted': false,
                'WhoId': ids.sfid,
                'WhatId': coalesce(opportunity_id(e.json -> 'associations' -> 'deals'
                    -> 'results' -> 0 ->> 'id'), account_id(e.json -> 'associations'
                    -> 'companies' -> 'results' -> 0 ->> 'id')),
                'AccountId': account_id(e.json -> 'associations' -> 'companies' -> 'results'
                    -> 0 ->> 'id'),
                'OwnerId': user_id(e.p ->> 'hubspot_owner_id'),
                'ActivityDate': left(e.p ->> 'hs_timestamp', 10),
                {fields},
                'CreatedDate': sfts(e.json ->> 'createdAt'),
                'SystemModstamp': sfts(e.json ->> 'updatedAt')}} as r
        from hs_engagements as e
        left join person_ids as ids
            on ids.n = (e.json -> 'associations' -> 'contacts' -> 'results' -> 0 ->> 'id')
        where (e.p ->> 'hs_engagement_type') {where}
        order by e.n::bigint"""
    write(
        "task",
        activity.format(
            object="Task",
            table="task",
            fields="""'TaskSubtype': case e.p ->> 'hs_engagement_type'
                    when 'CALL' then 'Call' else 'Email' end,
                'Status': 'Completed',
                'CompletedDateTime': sfts(e.p ->> 'hs_timestamp'),
                'CallDurationInSeconds': round((e.p ->> 'hs_call_duration')::bigint / 1000)
                    ::bigint""",
            where="in ('CALL', 'EMAIL')",
        ),
    )
    write(
        "event",
        activity.format(
            object="Event",
            table="event",
            fields="""'ActivityDateTime': sfts(e.p ->> 'hs_timestamp'),
                'DurationInMinutes': 30""",
            where="= 'MEETING'",
        ),
    )
    return rows


def _rewrite_references(
    con: duckdb.DuckDBPyConnection, out: Path, partition: str | None = None
) -> None:
    """The other systems' exports name the Salesforce records (a person's current one): every
    file, or those of one day's `partition` (`date=YYYY-MM-DD`)."""

    def files(folder: Path, extension: str) -> list[Path]:
        pattern = f"{partition}/*.{extension}" if partition else f"**/*.{extension}"
        return sorted(folder.glob(pattern))

    con.execute(
        "create table new_ids as select n, 'person' as kind, sfid from person_ids "
        "union all select n, 'account', account_id(n) from hs_companies"
    )
    for system, table, file_format, field, kind in _REFERENCES:
        for path in files(out / system / table, file_format):
            source = sql_text(str(path))
            if file_format == "csv":
                con.execute(
                    f"copy (select * replace (coalesce((select sfid from new_ids where "
                    f"kind = '{kind}' and n = {field}), {field}) as {field}) "
                    f"from read_csv({source}, all_varchar = true, header = true)) "
                    f"to {source} (format csv, header true)"
                )
                continue
            patched = con.execute(
                f"""select case when (json ->> '{field}') is null then json
                    else json_merge_patch(json, json_object('{field}', (select sfid from new_ids
                        where kind = '{kind}' and n = (json ->> '{field}')))) end::varchar
                from read_ndjson_objects({source})"""
            ).fetchall()
            path.write_text("".join(f"{row[0]}\n" for row in patched), encoding="utf-8")
    for path in files(out / "billing" / "customers", "jsonl"):
        patched = con.execute(
            f"""select json_merge_patch(json, json_object('metadata', json_object(
                    'hubspot_company_id', null, 'salesforce_account_id',
                    account_id(json -> 'metadata' ->> 'hubspot_company_id'))))::varchar
            from read_ndjson_objects({sql_text(str(path))})"""
        ).fetchall()
        path.write_text("".join(f"{row[0]}\n" for row in patched), encoding="utf-8")


def _mapping_yaml() -> str:
    """The org's `crm/mapping.yml`: its custom fields and picklist values."""

    def block(fields: dict[str, str], values: dict[str, dict[str, str]]) -> list[str]:
        lines = ["  properties:"]
        lines += [f"    {field}: {name}" for field, name in fields.items()]
        lines.append("  values:")
        for field, names in values.items():
            lines.append(f"    {field}:")
            lines += [f'      {contract}: "{name}"' for contract, name in names.items()]
        return lines

    lines = [
        "# The Salesforce org's names for the contract's fields and values (revops-generate).",
        "contacts:",
        *block(
            CONTACT_FIELDS,
            {"lifecyclestage": LIFECYCLE_NAMES, "hs_analytics_source": SOURCE_NAMES},
        ),
        "deals:",
        *block(DEAL_FIELDS, {"dealstage": STAGE_NAMES, "deal_origin": ORIGIN_NAMES}),
    ]
    return "\n".join(lines) + "\n"


def _session(con: duckdb.DuckDBPyConnection) -> None:
    _macros(con)
    con.execute("set preserve_insertion_order = true")


def _org(crm_dir: Path, day: date | None) -> dict[str, list[str]]:
    with duckdb.connect() as con:
        _session(con)
        _read(con, crm_dir, day)
        return _objects(con)


def rewrite_as_salesforce(out: Path, rows: dict[str, int]) -> dict[str, int]:
    """Turn the HubSpot exports under `out` into the Salesforce org's; returns the row counts
    with the CRM's tables replaced by the org's objects. The HubSpot exports are kept in
    `out/.hubspot/` (hidden: no source table), the state the daily generator continues."""
    assert set(LIFECYCLE_NAMES) == set(LIFECYCLE_STAGES)
    twin = out / HUBSPOT_TWIN
    shutil.rmtree(twin, ignore_errors=True)
    for system in sorted(p for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")):
        shutil.copytree(system, twin / system.name)
    with duckdb.connect() as con:
        _session(con)
        _read(con, out / "crm")
        objects = {
            table: _write(out / "salesforce" / table, lines)
            for table, lines in _objects(con).items()
        }
        _rewrite_references(con, out)
    for table in _HUBSPOT_TABLES:
        shutil.rmtree(out / "crm" / table)
    (out / "crm" / "mapping.yml").write_text(_mapping_yaml(), encoding="utf-8")
    others = {name: count for name, count in rows.items() if not name.startswith("crm_")}
    return {f"salesforce_{table}": count for table, count in objects.items()} | others


def _record_id(line: str) -> str:
    return json.loads(line)["Id"]


def rewrite_day_as_salesforce(out: Path, day: date, rows: dict[str, int]) -> dict[str, int]:
    """The org's increment of `day`, from the HubSpot one the daily generator wrote into the
    twin (`rows`: its row counts): the records new or changed that day (history rows and
    contact roles are only ever added), and the other systems' files naming the org's ids.
    Returns the row counts written."""
    twin = out / HUBSPOT_TWIN
    partition = f"date={day.isoformat()}"
    before = _org(twin / "crm", day - timedelta(days=1))
    written: dict[str, int] = {}
    with duckdb.connect() as con:
        _session(con)
        _read(con, twin / "crm", day)
        for table, lines in _objects(con).items():
            if table in _APPENDED:
                known = {_record_id(line) for line in before[table]}
                new = [line for line in lines if _record_id(line) not in known]
            else:
                known = set(before[table])
                new = [line for line in lines if line not in known]
            if new:
                written[f"salesforce_{table}"] = _write(out / "salesforce" / table / partition, new)
        for folder in sorted(twin.glob(f"*/*/{partition}")):
            if folder.parent.parent.name != "crm":
                shutil.copytree(folder, out / folder.relative_to(twin))
        _rewrite_references(con, out, partition)
    others = {name: count for name, count in rows.items() if not name.startswith("crm_")}
    return written | others
