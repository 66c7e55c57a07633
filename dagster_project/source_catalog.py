"""The catalogue of source tables: what lands where, in which format, keyed by what, and
whether a company must deliver it.

This is the machine-readable form of docs/sources.md. Extraction builds one asset per entry; the
dbt sources (dbt/models/staging/*/_*__sources.yml) name the same raw tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FileFormat = Literal["jsonl", "csv", "parquet"]
# event: immutable facts, loaded by landing date (a daily-partitioned asset); object: records that
# change over time, every delivered version kept and the latest one served.
TableKind = Literal["event", "object"]
# required: the minimal company; a run stops before loading anything, naming every required table
# that holds no records. optional: may be absent or empty; what is built from it is marked
# unavailable (meta.metric_availability). none_if_empty: may be absent or empty, which means there
# was none (no credit note issued), so what is built from it stays available.
Availability = Literal["required", "optional", "none_if_empty"]

_EXTENSIONS: dict[FileFormat, str] = {"jsonl": "jsonl", "csv": "csv", "parquet": "parquet"}


@dataclass(frozen=True)
class SourceTable:
    system: str
    name: str
    file_format: FileFormat
    key: tuple[str, ...]
    # Columns an export must have; a missing one fails extraction naming column and file.
    required_columns: tuple[str, ...]
    kind: TableKind = "object"
    # The column saying which version of an object is newer (HubSpot's `updatedAt`); without one,
    # the latest delivery wins.
    version_column: str | None = None
    availability: Availability = "optional"
    # Further columns of the contract that staging reads (the export may hold more).
    other_columns: tuple[str, ...] = ()
    # Raw types of the contract columns that are not text: nested objects and arrays are JSON,
    # Parquet columns keep their own types. The empty table of an absent source has them.
    column_types: tuple[tuple[str, str], ...] = ()

    @property
    def contract_columns(self) -> dict[str, str]:
        """Every column of the contract with its raw type, in contract order."""
        types = dict(self.column_types)
        names = dict.fromkeys((*self.required_columns, *self.other_columns))
        return {name: types.get(name, "VARCHAR") for name in names}

    @property
    def raw_table(self) -> str:
        return f"{self.system}_{self.name}"

    @property
    def extension(self) -> str:
        return _EXTENSIONS[self.file_format]

    @property
    def landing_subdir(self) -> str:
        return f"{self.system}/{self.name}"


# Enumerations of the landing contract (docs/sources.md), shared by the quarantine rules and the
# sample generator. Order matters to the generator, which indexes stages and events.
LIFECYCLE_STAGES = (
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
)
DEAL_STAGES = (
    "detection",
    "qualification",
    "discovery",
    "demo",
    "proposal",
    "negotiation",
    "closedwon",
    "closedlost",
)
ANALYTICS_SOURCES = (
    "ORGANIC_SEARCH",
    "PAID_SEARCH",
    "PAID_SOCIAL",
    "EMAIL_MARKETING",
    "REFERRALS",
    "DIRECT_TRAFFIC",
    "OFFLINE",
)
TRACK_EVENTS = ("Signed Up", "Logged In", "Feature Used", "Dashboard Created")
DEAL_ORIGINS = ("marketing", "outbound", "referral")
OWNER_ROLES = ("SDR", "AE", "CSM", "AM")

_HUBSPOT = ("id", "properties", "createdAt", "updatedAt", "archived")
_HUBSPOT_JSON = (
    ("properties", "JSON"),
    ("associations", "JSON"),
    ("propertiesWithHistory", "JSON"),
)
# The minimal company (availability="required"): its CRM companies, contacts and deals, and its
# billing customers and subscriptions. docs/sources.md says what is unavailable without the others.
SOURCE_TABLES: tuple[SourceTable, ...] = (
    SourceTable(
        "crm",
        "owners",
        "jsonl",
        ("id",),
        _HUBSPOT,
        version_column="updatedAt",
        column_types=_HUBSPOT_JSON,
    ),
    SourceTable(
        "crm",
        "companies",
        "jsonl",
        ("id",),
        _HUBSPOT,
        version_column="updatedAt",
        availability="required",
        column_types=_HUBSPOT_JSON,
    ),
    SourceTable(
        "crm",
        "contacts",
        "jsonl",
        ("id",),
        (*_HUBSPOT, "propertiesWithHistory"),
        version_column="updatedAt",
        availability="required",
        column_types=_HUBSPOT_JSON,
    ),
    SourceTable(
        "crm",
        "deals",
        "jsonl",
        ("id",),
        (*_HUBSPOT, "associations", "propertiesWithHistory"),
        version_column="updatedAt",
        availability="required",
        column_types=_HUBSPOT_JSON,
    ),
    SourceTable(
        "crm",
        "engagements",
        "jsonl",
        ("id",),
        (*_HUBSPOT, "associations"),
        version_column="updatedAt",
        column_types=_HUBSPOT_JSON,
    ),
    SourceTable(
        "marketing",
        "campaigns",
        "csv",
        ("campaign_id",),
        ("campaign_id", "name", "channel", "start_date", "end_date"),
    ),
    SourceTable(
        "marketing",
        "campaign_spend",
        "csv",
        ("campaign_id", "month"),
        ("campaign_id", "month", "spend", "currency"),
    ),
    SourceTable(
        "marketing",
        "email_events",
        "csv",
        ("event_id",),
        ("event_id", "campaign_id", "contact_id", "event_type", "occurred_at"),
        kind="event",
    ),
    SourceTable(
        "marketing",
        "page_views",
        "csv",
        ("view_id",),
        ("view_id", "contact_id", "url", "page_category", "occurred_at"),
        kind="event",
    ),
    SourceTable(
        "marketing",
        "form_submissions",
        "csv",
        ("submission_id",),
        ("submission_id", "contact_id", "form_type", "page_url", "submitted_at"),
        kind="event",
    ),
    SourceTable(
        "product",
        "workspaces",
        "jsonl",
        ("workspace_id",),
        ("workspace_id", "crm_company_id", "name", "plan", "seats_paid", "created_at"),
    ),
    SourceTable(
        "product",
        "users",
        "jsonl",
        ("user_id",),
        ("user_id", "workspace_id", "crm_contact_id", "created_at"),
    ),
    SourceTable(
        "product",
        "tracks",
        "parquet",
        ("message_id",),
        (
            "message_id",
            "event",
            "user_id",
            "workspace_id",
            "feature_name",
            "timestamp",
            "received_at",
        ),
        kind="event",
        column_types=(("timestamp", "TIMESTAMP"), ("received_at", "TIMESTAMP")),
    ),
    SourceTable(
        "billing",
        "customers",
        "jsonl",
        ("id",),
        ("id", "object", "created", "currency", "metadata"),
        availability="required",
        other_columns=("email",),
        column_types=(("metadata", "JSON"),),
    ),
    SourceTable(
        "billing",
        "subscriptions",
        "jsonl",
        ("id",),
        ("id", "customer", "status", "created", "start_date", "currency", "items"),
        availability="required",
        other_columns=(
            "canceled_at",
            "ended_at",
            "trial_start",
            "trial_end",
            "cancel_at_period_end",
            "discount",
        ),
        column_types=(("items", "JSON"), ("discount", "JSON")),
    ),
    SourceTable(
        "billing",
        "subscription_events",
        "jsonl",
        ("id",),
        ("id", "type", "created", "data"),
        kind="event",
        column_types=(("data", "JSON"),),
    ),
    SourceTable(
        "billing",
        "invoices",
        "jsonl",
        ("id",),
        ("id", "customer", "subscription", "status", "currency", "created", "total", "lines"),
        other_columns=("period_start", "period_end", "subtotal", "tax", "amount_paid"),
        column_types=(("lines", "JSON"),),
    ),
    SourceTable(
        "billing",
        "credit_notes",
        "jsonl",
        ("id",),
        ("id", "invoice", "customer", "amount", "currency", "created"),
        availability="none_if_empty",
        other_columns=("reason", "status"),
    ),
    SourceTable(
        "billing",
        "fx_rates",
        "csv",
        ("date", "currency"),
        ("date", "currency", "rate_to_eur"),
        availability="none_if_empty",
    ),
    SourceTable(
        "success",
        "tickets",
        "jsonl",
        ("id",),
        ("id", "organization_id", "requester_id", "priority", "status", "created_at", "solved_at"),
        other_columns=("subject", "updated_at"),
    ),
    SourceTable(
        "success",
        "survey_responses",
        "jsonl",
        ("id",),
        ("id", "survey", "company_id", "contact_id", "score", "responded_at"),
    ),
)

# The Salesforce landing contract (docs/sources.md#salesforce): the REST API's records, one JSON
# object per line, as `query` / `queryAll` return them (`attributes`, `Id`, `IsDeleted`; objects
# that change carry `SystemModstamp`, their version). It replaces the `crm` tables above when the
# dbt var `crm_source` is `salesforce` (`source_tables`); the other systems then name Salesforce
# record ids. A person is a Lead until converted, then a Contact (docs/sources.md).
CrmSource = Literal["hubspot", "salesforce"]
CRM_SOURCES: tuple[CrmSource, ...] = ("hubspot", "salesforce")
# Salesforce's key prefixes: the first three characters of every record id name its object.
SALESFORCE_ID_PREFIXES = {
    "user_role": "00E",
    "user": "005",
    "account": "001",
    "contact": "003",
    "lead": "00Q",
    "opportunity": "006",
    "opportunity_history": "008",
    "opportunity_contact_role": "00K",
    "lead_history": "017",
    "contact_history": "017",
    "task": "00T",
    "event": "00U",
}
# The Salesforce objects whose fields the CRM mapping's objects name (crm/mapping.yml).
SALESFORCE_MAPPED_OBJECTS = {
    "salesforce_lead": "contacts",
    "salesforce_contact": "contacts",
    "salesforce_opportunity": "deals",
}
_SALESFORCE = ("attributes", "Id", "IsDeleted", "CreatedDate", "SystemModstamp")
_SALESFORCE_HISTORY = ("attributes", "Id", "IsDeleted", "CreatedDate")
_SALESFORCE_JSON = (("attributes", "JSON"),)


def _salesforce(
    name: str,
    required: tuple[str, ...],
    other: tuple[str, ...],
    availability: Availability = "optional",
) -> SourceTable:
    versioned = "SystemModstamp" in required
    return SourceTable(
        "salesforce",
        name,
        "jsonl",
        ("Id",),
        required,
        version_column="SystemModstamp" if versioned else None,
        availability=availability,
        other_columns=other,
        column_types=_SALESFORCE_JSON,
    )


SALESFORCE_TABLES: tuple[SourceTable, ...] = (
    _salesforce("user_role", _SALESFORCE, ("Name", "DeveloperName")),
    _salesforce(
        "user",
        _SALESFORCE,
        (
            "Username",
            "Email",
            "FirstName",
            "LastName",
            "Title",
            "UserRoleId",
            "IsActive",
            "Quarterly_Quota_EUR__c",
            "Hire_Date__c",
        ),
    ),
    _salesforce(
        "account",
        (*_SALESFORCE, "Name"),
        ("Website", "Industry", "BillingCountry", "NumberOfEmployees", "AnnualRevenue", "OwnerId"),
        "required",
    ),
    _salesforce(
        "contact",
        (*_SALESFORCE, "AccountId"),
        ("Email", "FirstName", "LastName", "Title", "OwnerId", "LeadSource"),
        "required",
    ),
    _salesforce(
        "opportunity",
        (*_SALESFORCE, "AccountId", "StageName", "IsClosed", "IsWon"),
        (
            "Name",
            "Amount",
            "CurrencyIsoCode",
            "CloseDate",
            "Probability",
            "OwnerId",
            "ContactId",
            "LeadSource",
            "Type",
            "Loss_Reason__c",
        ),
        "required",
    ),
    _salesforce(
        "lead",
        (*_SALESFORCE, "IsConverted"),
        (
            "Email",
            "FirstName",
            "LastName",
            "Title",
            "Company",
            "OwnerId",
            "LeadSource",
            "Status",
            "ConvertedContactId",
            "ConvertedAccountId",
            "ConvertedOpportunityId",
            "ConvertedDate",
            # The account a lead was matched to before conversion: a lookup most orgs add (a
            # Lead has only a `Company` text); without it an unconverted lead has no company.
            "Account__c",
        ),
    ),
    _salesforce(
        "opportunity_history",
        (*_SALESFORCE, "OpportunityId", "StageName"),
        ("Amount", "Probability", "CloseDate"),
    ),
    _salesforce(
        "opportunity_contact_role",
        (*_SALESFORCE, "OpportunityId", "ContactId"),
        ("IsPrimary", "Role"),
    ),
    _salesforce(
        "lead_history", (*_SALESFORCE_HISTORY, "LeadId", "Field"), ("OldValue", "NewValue")
    ),
    _salesforce(
        "contact_history",
        (*_SALESFORCE_HISTORY, "ContactId", "Field"),
        ("OldValue", "NewValue"),
    ),
    _salesforce(
        "task",
        _SALESFORCE,
        (
            "TaskSubtype",
            "ActivityDate",
            "CompletedDateTime",
            "WhoId",
            "WhatId",
            "AccountId",
            "OwnerId",
            "CallDurationInSeconds",
            "Status",
        ),
    ),
    _salesforce(
        "event",
        _SALESFORCE,
        (
            "ActivityDate",
            "ActivityDateTime",
            "DurationInMinutes",
            "WhoId",
            "WhatId",
            "AccountId",
            "OwnerId",
        ),
    ),
)


def source_tables(crm: CrmSource = "hubspot") -> tuple[SourceTable, ...]:
    """The catalogue of a company whose CRM is `crm`: its CRM's tables, then the other systems'."""
    if crm == "hubspot":
        return SOURCE_TABLES
    others = tuple(table for table in SOURCE_TABLES if table.system != "crm")
    return (*SALESFORCE_TABLES, *others)
