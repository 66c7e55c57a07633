"""Row rules per source table: what makes a source row malformed, with the field to blame.

A row that breaks a rule is not loaded into `raw`; it goes to `quarantine.rejected_rows` with its
file, line, record id, field and reason. Rules are data, compiled to one set-based SQL pass per
table (no row-by-row Python). `ref` rules check foreign keys against the parent raw table, so
the parent's extraction asset runs first (see extraction/assets.py) and a row whose parent was
itself quarantined is rejected too, rather than dangling in the warehouse (the reason says which:
extraction/references.py). The CRM's own fields
(stages, sources, flags) are read under the account's names and values, from the CRM mapping
(extraction/crm_mapping.py): a value it does not map is quarantined as unmapped.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from dagster_project.crm_fields import CRM_MAPPED_FIELDS, CrmField
from dagster_project.extraction.crm_mapping import CrmMapping
from dagster_project.extraction.plausibility import HAPPENED_FIELDS, margin_days
from dagster_project.extraction.typed_fields import typed_fields
from dagster_project.source_catalog import (
    OWNER_ROLES,
    SALESFORCE_ID_PREFIXES,
    TRACK_EVENTS,
    CrmSource,
)

RuleKind = Literal[
    "required",
    "timestamp",
    "epoch",
    "date",
    "month",
    "number",
    # A value staging casts (extraction/typed_fields.py): `sql_type` is what it must parse as.
    "typed",
    # The same for each value of a list (an invoice's lines).
    "typed_list",
    "non_negative",
    "enum",
    "currency",
    "ref",
    # A CRM value the mapping must know (`values`: the account's values it maps).
    "mapped",
    # The same for a list of values (a property's history).
    "mapped_list",
    # A moment that had happened when the file landed (extraction/plausibility.py): `label` is
    # its unit (timestamp or epoch), `values` the margin in days.
    "happened",
]


@dataclass(frozen=True)
class Rule:
    field: str
    # SQL over the raw table's columns giving the field's text (e.g. `properties->>'amount'`).
    expr: str
    kind: RuleKind
    values: tuple[str, ...] = ()
    # For `ref`: the parent raw table and the SQL giving its key.
    parent: str = ""
    parent_key: str = ""
    # For `mapped`: what the reason calls the value ("deal stage").
    label: str = ""
    # For `typed`: the type the value must parse as (typed_fields.FieldType).
    sql_type: str = ""


def prop(name: str) -> str:
    """A HubSpot property: every value is a string in `properties`."""
    return f"properties->>'{name}'"


def required(field: str, expr: str | None = None) -> Rule:
    return Rule(field, expr or f'"{field}"', "required")


def timestamp(field: str, expr: str | None = None) -> Rule:
    return Rule(field, expr or f'"{field}"', "timestamp")


def epoch(field: str, expr: str | None = None) -> Rule:
    return Rule(field, expr or f'"{field}"', "epoch")


def number(field: str, expr: str | None = None) -> Rule:
    return Rule(field, expr or f'"{field}"', "number")


def non_negative(field: str, expr: str | None = None) -> Rule:
    return Rule(field, expr or f'"{field}"', "non_negative")


def enum(field: str, values: tuple[str, ...], expr: str | None = None) -> Rule:
    return Rule(field, expr or f'"{field}"', "enum", values=values)


def currency(field: str, expr: str | None = None) -> Rule:
    return Rule(field, expr or f'"{field}"', "currency")


def ref(field: str, parent: str, parent_key: str = "id", expr: str | None = None) -> Rule:
    return Rule(field, expr or f'"{field}"', "ref", parent=parent, parent_key=parent_key)


def _hubspot(*rules: Rule) -> tuple[Rule, ...]:
    return (
        required("id"),
        timestamp("createdAt"),
        timestamp("updatedAt"),
        *rules,
    )


def _first_association(kind: str) -> str:
    return f"associations->'{kind}'->'results'->0->>'id'"


RULES: dict[str, tuple[Rule, ...]] = {
    "crm_owners": _hubspot(
        enum("role", OWNER_ROLES, prop("role")),
        non_negative("quarterly_quota_eur", prop("quarterly_quota_eur")),
    ),
    "crm_companies": _hubspot(
        non_negative("numberofemployees", prop("numberofemployees")),
        non_negative("annualrevenue", prop("annualrevenue")),
        ref("hubspot_owner_id", "crm_owners", expr=prop("hubspot_owner_id")),
    ),
    # Contacts and deals also have the rules of their mapped fields (`table_rules`).
    "crm_contacts": _hubspot(
        ref("associatedcompanyid", "crm_companies", expr=prop("associatedcompanyid")),
        ref("hubspot_owner_id", "crm_owners", expr=prop("hubspot_owner_id")),
    ),
    "crm_deals": _hubspot(
        non_negative("amount", prop("amount")),
        currency("deal_currency_code", prop("deal_currency_code")),
        timestamp("closedate", prop("closedate")),
        ref("hubspot_owner_id", "crm_owners", expr=prop("hubspot_owner_id")),
        ref("associations.companies", "crm_companies", expr=_first_association("companies")),
        ref("associations.contacts", "crm_contacts", expr=_first_association("contacts")),
    ),
    "crm_engagements": _hubspot(
        required("hs_timestamp", prop("hs_timestamp")),
        timestamp("hs_timestamp", prop("hs_timestamp")),
        enum("hs_engagement_type", ("CALL", "EMAIL", "MEETING"), prop("hs_engagement_type")),
        ref("hubspot_owner_id", "crm_owners", expr=prop("hubspot_owner_id")),
        ref("associations.contacts", "crm_contacts", expr=_first_association("contacts")),
        ref("associations.companies", "crm_companies", expr=_first_association("companies")),
        ref("associations.deals", "crm_deals", expr=_first_association("deals")),
    ),
    "marketing_campaigns": (
        required("campaign_id"),
        enum("channel", ("paid_search", "paid_social", "email", "events", "content", "partner")),
        Rule("start_date", '"start_date"', "date"),
        Rule("end_date", '"end_date"', "date"),
    ),
    "marketing_campaign_spend": (
        required("campaign_id"),
        Rule("month", '"month"', "month"),
        required("spend"),
        non_negative("spend"),
        currency("currency"),
        ref("campaign_id", "marketing_campaigns", "campaign_id"),
    ),
    "marketing_email_events": (
        required("event_id"),
        enum("event_type", ("sent", "open", "click", "bounce", "unsubscribe")),
        required("occurred_at"),
        timestamp("occurred_at"),
        ref("campaign_id", "marketing_campaigns", "campaign_id"),
        ref("contact_id", "crm_contacts"),
    ),
    "marketing_page_views": (
        required("view_id"),
        enum(
            "page_category",
            ("home", "blog", "case_study", "product", "docs", "pricing", "careers"),
        ),
        required("occurred_at"),
        timestamp("occurred_at"),
        ref("contact_id", "crm_contacts"),
    ),
    "marketing_form_submissions": (
        required("submission_id"),
        enum(
            "form_type",
            ("newsletter", "content_download", "webinar", "demo_request", "contact_sales"),
        ),
        required("submitted_at"),
        timestamp("submitted_at"),
        ref("contact_id", "crm_contacts"),
    ),
    "product_workspaces": (
        required("workspace_id"),
        enum("plan", ("trial", "starter", "growth", "enterprise")),
        non_negative("seats_paid"),
        timestamp("created_at"),
        ref("crm_company_id", "crm_companies"),
    ),
    "product_users": (
        required("user_id"),
        timestamp("created_at"),
        ref("workspace_id", "product_workspaces", "workspace_id"),
        ref("crm_contact_id", "crm_contacts"),
    ),
    "product_tracks": (
        required("message_id"),
        enum("event", TRACK_EVENTS),
        required("timestamp"),
        ref("user_id", "product_users", "user_id"),
        ref("workspace_id", "product_workspaces", "workspace_id"),
    ),
    "billing_customers": (
        required("id"),
        epoch("created"),
        currency("currency"),
        ref("metadata.hubspot_company_id", "crm_companies", expr="metadata->>'hubspot_company_id'"),
    ),
    "billing_subscriptions": (
        required("id"),
        enum("status", ("trialing", "active", "past_due", "canceled", "unpaid", "incomplete")),
        epoch("created"),
        epoch("start_date"),
        currency("currency"),
        ref("customer", "billing_customers"),
    ),
    "billing_subscription_events": (
        required("id"),
        enum(
            "type",
            (
                "customer.subscription.created",
                "customer.subscription.updated",
                "customer.subscription.deleted",
            ),
        ),
        epoch("created"),
        required("data.object.id", "data->'object'->>'id'"),
        ref("data.object.id", "billing_subscriptions", expr="data->'object'->>'id'"),
        ref("data.object.customer", "billing_customers", expr="data->'object'->>'customer'"),
    ),
    "billing_invoices": (
        required("id"),
        enum("status", ("draft", "open", "paid", "void", "uncollectible")),
        epoch("created"),
        required("total"),
        non_negative("total"),
        currency("currency"),
        ref("customer", "billing_customers"),
        ref("subscription", "billing_subscriptions"),
    ),
    "billing_credit_notes": (
        required("id"),
        epoch("created"),
        non_negative("amount"),
        currency("currency"),
        ref("invoice", "billing_invoices"),
        ref("customer", "billing_customers"),
    ),
    "billing_fx_rates": (
        Rule("date", '"date"', "date"),
        required("date"),
        required("currency"),
        required("rate_to_eur"),
        non_negative("rate_to_eur"),
    ),
    "success_tickets": (
        required("id"),
        enum("priority", ("low", "normal", "high", "urgent")),
        enum("status", ("new", "open", "pending", "solved", "closed")),
        timestamp("created_at"),
        timestamp("solved_at"),
        ref("organization_id", "crm_companies"),
        ref("requester_id", "crm_contacts"),
    ),
    "success_survey_responses": (
        required("id"),
        enum("survey", ("nps", "onboarding_csat")),
        required("score"),
        non_negative("score"),
        timestamp("responded_at"),
        ref("company_id", "crm_companies"),
        ref("contact_id", "crm_contacts"),
    ),
}


def _salesforce(*rules: Rule, history: bool = False) -> tuple[Rule, ...]:
    stamps = () if history else (timestamp("SystemModstamp"),)
    return (required("Id"), timestamp("CreatedDate"), *stamps, *rules)


def _prefixed(field: str, prefix_of: str) -> str:
    """A polymorphic lookup's value when it points to one object (Salesforce's key prefix)."""
    return f'case when "{field}" like \'{SALESFORCE_ID_PREFIXES[prefix_of]}%\' then "{field}" end'


def _who_what(*rules: Rule) -> tuple[Rule, ...]:
    """A Task's or Event's lookups: `WhoId` a lead or contact, `WhatId` an opportunity or an
    account (or another object, not checked)."""
    return _salesforce(
        ref("OwnerId", "salesforce_user"),
        ref("WhoId", "salesforce_contact", expr=_prefixed("WhoId", "contact")),
        ref("WhoId", "salesforce_lead", expr=_prefixed("WhoId", "lead")),
        ref("WhatId", "salesforce_opportunity", expr=_prefixed("WhatId", "opportunity")),
        ref("WhatId", "salesforce_account", expr=_prefixed("WhatId", "account")),
        ref("AccountId", "salesforce_account"),
        *rules,
    )


# Salesforce's objects (source_catalog.SALESFORCE_TABLES); the mapped fields' rules follow
# (`_salesforce_mapped_rules`).
SALESFORCE_RULES: dict[str, tuple[Rule, ...]] = {
    "salesforce_user_role": _salesforce(),
    "salesforce_user": _salesforce(
        enum("Title", OWNER_ROLES),
        non_negative("Quarterly_Quota_EUR__c"),
        ref("UserRoleId", "salesforce_user_role"),
    ),
    "salesforce_account": _salesforce(
        non_negative("NumberOfEmployees"),
        non_negative("AnnualRevenue"),
        ref("OwnerId", "salesforce_user"),
    ),
    "salesforce_contact": _salesforce(
        ref("AccountId", "salesforce_account"),
        ref("OwnerId", "salesforce_user"),
    ),
    "salesforce_opportunity": _salesforce(
        required("AccountId"),
        ref("AccountId", "salesforce_account"),
        ref("ContactId", "salesforce_contact"),
        ref("OwnerId", "salesforce_user"),
        non_negative("Amount"),
        Rule("CloseDate", '"CloseDate"', "date"),
        currency("CurrencyIsoCode"),
    ),
    "salesforce_lead": _salesforce(
        ref("OwnerId", "salesforce_user"),
        ref("Account__c", "salesforce_account"),
        ref("ConvertedAccountId", "salesforce_account"),
        ref("ConvertedContactId", "salesforce_contact"),
        ref("ConvertedOpportunityId", "salesforce_opportunity"),
        Rule("ConvertedDate", '"ConvertedDate"', "date"),
    ),
    "salesforce_opportunity_history": _salesforce(
        ref("OpportunityId", "salesforce_opportunity"),
    ),
    "salesforce_opportunity_contact_role": _salesforce(
        ref("OpportunityId", "salesforce_opportunity"),
        ref("ContactId", "salesforce_contact"),
    ),
    "salesforce_lead_history": _salesforce(ref("LeadId", "salesforce_lead"), history=True),
    "salesforce_contact_history": _salesforce(ref("ContactId", "salesforce_contact"), history=True),
    "salesforce_task": _who_what(enum("TaskSubtype", ("Call", "Email", "Task"))),
    "salesforce_event": _who_what(),
}
RULES |= SALESFORCE_RULES

# The other systems name CRM records; in a Salesforce company a person is a lead or a contact,
# told apart by the id's key prefix.
_SALESFORCE_PARENTS = {"crm_companies": "salesforce_account", "crm_contacts": "salesforce_contact"}


def _crm_parents(rules: tuple[Rule, ...], crm: CrmSource) -> tuple[Rule, ...]:
    """The rules of a non-CRM table with their CRM references pointed at `crm`'s tables."""
    if crm == "hubspot":
        return rules
    pointed: list[Rule] = []
    for rule in rules:
        if rule.kind != "ref" or rule.parent not in _SALESFORCE_PARENTS:
            pointed.append(rule)
        elif rule.parent == "crm_companies":
            # Stripe metadata names the org's account under its own key.
            field = rule.field.replace("hubspot_company_id", "salesforce_account_id")
            expr = rule.expr.replace("hubspot_company_id", "salesforce_account_id")
            pointed.append(
                replace(
                    rule, field=field, expr=expr, parent="salesforce_account", parent_key='"Id"'
                )
            )
        else:
            for parent, object_name in (
                ("salesforce_contact", "contact"),
                ("salesforce_lead", "lead"),
            ):
                prefix = SALESFORCE_ID_PREFIXES[object_name]
                expr = f"case when {rule.expr} like '{prefix}%' then {rule.expr} end"
                pointed.append(replace(rule, expr=expr, parent=parent, parent_key='"Id"'))
    return tuple(pointed)


# Currencies are known when an FX rate exists for them (EUR, the reporting currency, is implicit).
FX_TABLE = "billing_fx_rates"


def table_rules(
    raw_table: str, mapping: CrmMapping, crm: CrmSource = "hubspot"
) -> tuple[Rule, ...]:
    """Every row rule of a table: its own (references to the CRM pointed at `crm`'s tables),
    then those of the CRM fields the mapping names, the parse rule of each field staging casts,
    and the times that cannot lie after the file's landing day."""
    rules = (
        *_crm_parents(RULES.get(raw_table, ()), crm),
        *_mapped_rules(raw_table, mapping),
        *_salesforce_mapped_rules(raw_table, mapping),
    )
    return (*rules, *_typed_rules(raw_table, mapping, rules), *_happened(raw_table))


def _happened(raw_table: str) -> list[Rule]:
    margin = str(margin_days())
    return [
        Rule(field, expr or f'"{field}"', "happened", values=(margin,), label=unit)
        for field, expr, unit in HAPPENED_FIELDS.get(raw_table, ())
    ]


# Rules that already parse a value exactly as staging's cast does: no second check needed.
_SAME_PARSE = {"timestamptz": "timestamp", "date": "date"}


def _typed_rules(raw_table: str, mapping: CrmMapping, rules: tuple[Rule, ...]) -> list[Rule]:
    checked = {(rule.field, rule.kind) for rule in rules}
    return [
        Rule(
            typed.name, typed.expr, "typed_list" if typed.is_list else "typed", sql_type=typed.type
        )
        for typed in typed_fields(raw_table, mapping)
        if (typed.name, _SAME_PARSE.get(typed.type)) not in checked
    ]


def _mapped_rule(field: CrmField, account_property: str, expr: str, mapping: CrmMapping) -> Rule:
    """The rule on one mapped field's value, read by `expr` from the account's `property`: a
    timestamp that parses, or a value the mapping knows."""
    if field.kind == "timestamp":
        return timestamp(account_property, expr)
    values_of = field.name if field.kind == "values" else "flag"
    values = mapping.account_values(field.object_type, values_of)
    label = field.label or "flag value"
    return Rule(account_property, expr, "mapped", values=values, label=label)


def _mapped_rules(raw_table: str, mapping: CrmMapping) -> list[Rule]:
    rules = []
    for field in CRM_MAPPED_FIELDS:
        account_property = mapping.property_of(field).property
        if f"crm_{field.object_type}" != raw_table or account_property is None:
            continue
        rule = _mapped_rule(field, account_property, prop(account_property), mapping)
        rules.append(rule)
        if field.history and rule.kind == "mapped":
            path = f'$."{account_property}"[*].value'
            rules.append(
                replace(
                    rule,
                    field=f"propertiesWithHistory.{account_property}",
                    expr=f"json_extract_string(\"propertiesWithHistory\", '{path}')",
                    kind="mapped_list",
                )
            )
    return rules


# Where a Salesforce export holds each mapped field: (raw table, SQL giving the account's value
# from the field's property `{property}`). Stage histories are rows of their own: the lifecycle
# stage's changes in LeadHistory / ContactHistory (`Field` names the property; the old value is
# read too, as the first change's is the stage the record was created with), the stage's in
# OpportunityHistory.
_SALESFORCE_MAPPED: dict[str, tuple[tuple[str, str], ...]] = {
    "contacts": (
        ("salesforce_lead", '"{property}"'),
        ("salesforce_contact", '"{property}"'),
    ),
    "deals": (("salesforce_opportunity", '"{property}"'),),
}
_SALESFORCE_HISTORY = {
    "lifecyclestage": tuple(
        (table, f'case when "Field" = \'{{property}}\' then "{value}" end')
        for table in ("salesforce_lead_history", "salesforce_contact_history")
        for value in ("NewValue", "OldValue")
    ),
    "dealstage": (("salesforce_opportunity_history", '"StageName"'),),
}


def _salesforce_mapped_rules(raw_table: str, mapping: CrmMapping) -> list[Rule]:
    """A Salesforce value the mapping does not know (an unknown `StageName`) is quarantined as
    in HubSpot; the fields are the object's own columns (custom ones end in `__c`)."""
    if not raw_table.startswith("salesforce_"):
        return []
    rules = []
    for field in CRM_MAPPED_FIELDS:
        account_property = mapping.property_of(field).property
        if account_property is None:
            continue
        places = [
            *(p for p in _SALESFORCE_MAPPED.get(field.object_type, ()) if p[0] == raw_table),
            *(p for p in _SALESFORCE_HISTORY.get(field.name, ()) if p[0] == raw_table),
        ]
        for _, template in places:
            expr = template.format(property=account_property)
            rules.append(_mapped_rule(field, account_property, expr, mapping))
    return rules


def parent_tables(raw_table: str, crm: CrmSource = "hubspot") -> set[str]:
    """The raw tables this table's rules read: loaded before it."""
    rules = _crm_parents(RULES.get(raw_table, ()), crm)
    parents = {rule.parent for rule in rules if rule.kind == "ref"}
    if any(rule.kind == "currency" for rule in RULES.get(raw_table, ())):
        parents.add(FX_TABLE)
    return parents
