"""Every field staging casts to a type, with the type it is cast to: the parse rules of raw.

Raw keeps exports as text, and staging casts (dbt/models/staging/): a value a cast cannot read
("1,234.50" for a number, "soon" for a date, 12.5 seats) would fail the whole dbt build, with no
file or line. So each typed field is checked here first, with the very type staging casts it
to, and a record holding a value that does not parse is quarantined naming the field
(extraction/quarantine.py). A new cast in staging needs its field here; tests walk this list and
inject an unparseable value into each field.

A field is a path in the record: its column, then keys inside the column's JSON, `*` standing
for each element of a list (an invoice's lines).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dagster_project.crm_fields import CRM_MAPPED_FIELDS
from dagster_project.extraction.crm_mapping import CrmMapping

# What a value must parse as: a DuckDB type staging casts to, or `epoch` (whole seconds since
# 1970 that staging turns into a timestamp: years 1 to 9999).
FieldType = Literal[
    "integer",
    "bigint",
    "decimal(18, 0)",
    "decimal(18, 2)",
    "decimal(18, 8)",
    "decimal(5, 2)",
    "boolean",
    "date",
    "timestamptz",
    "epoch",
]


@dataclass(frozen=True)
class TypedField:
    # The column, then keys inside its JSON; "*" is each element of a list.
    path: tuple[str, ...]
    type: FieldType

    @property
    def name(self) -> str:
        """How quarantine names the field: `amount`, `lines.data[].amount`.

        A HubSpot property is named by itself, as the other rules of CRM tables name it.
        """
        path = self.path[1:] if self.path[0] == "properties" else self.path
        return ".".join(path).replace(".*", "[]")

    @property
    def expr(self) -> str:
        """SQL giving the field's text (a list of texts for a path through a list)."""
        column = f'"{self.path[0]}"'
        if len(self.path) == 1:
            return column
        keys = "".join(
            "[*]" if key == "*" else '."' + key.replace('"', '\\"') + '"' for key in self.path[1:]
        )
        return f"json_extract_string({column}, '${keys}')"

    @property
    def is_list(self) -> bool:
        return "*" in self.path


def _fields(type_: FieldType, *paths: str) -> tuple[TypedField, ...]:
    return tuple(TypedField(tuple(path.split(".")), type_) for path in paths)


# Minor units (Stripe's amounts in cents) are cast to decimal(18, 0) before they are scaled.
_HUBSPOT = (
    *_fields("timestamptz", "createdAt", "updatedAt"),
    *_fields("boolean", "archived"),
)
_SALESFORCE = (
    *_fields("timestamptz", "CreatedDate", "SystemModstamp"),
    *_fields("boolean", "IsDeleted"),
)
_SUBSCRIPTION_ITEMS = (
    *_fields("integer", "items.data.*.quantity", "items.data.*.price.recurring.interval_count"),
    *_fields("decimal(18, 0)", "items.data.*.price.unit_amount"),
)
_SUBSCRIPTION_DATES = ("canceled_at", "ended_at", "trial_start", "trial_end")

TYPED_FIELDS: dict[str, tuple[TypedField, ...]] = {
    "crm_owners": (
        *_HUBSPOT,
        *_fields("decimal(18, 2)", "properties.quarterly_quota_eur"),
        *_fields("date", "properties.hire_date"),
    ),
    "crm_companies": (
        *_HUBSPOT,
        *_fields("integer", "properties.numberofemployees"),
        *_fields("decimal(18, 2)", "properties.annualrevenue"),
        *_fields("timestamptz", "properties.createdate"),
    ),
    "crm_contacts": (*_HUBSPOT, *_fields("timestamptz", "properties.createdate")),
    "crm_deals": (
        *_HUBSPOT,
        *_fields("decimal(18, 2)", "properties.amount"),
        *_fields("timestamptz", "properties.createdate", "properties.closedate"),
    ),
    "crm_engagements": (
        *_HUBSPOT,
        *_fields("timestamptz", "properties.hs_timestamp"),
        *_fields("bigint", "properties.hs_call_duration"),
    ),
    **{
        f"salesforce_{name}": (*_fields("timestamptz", *stamps), *_fields("boolean", "IsDeleted"))
        for name, stamps in (
            ("user_role", ("CreatedDate", "SystemModstamp")),
            ("lead_history", ("CreatedDate",)),
            ("contact_history", ("CreatedDate",)),
        )
    },
    "salesforce_user": (
        *_SALESFORCE,
        *_fields("decimal(18, 2)", "Quarterly_Quota_EUR__c"),
        *_fields("date", "Hire_Date__c"),
        *_fields("boolean", "IsActive"),
    ),
    "salesforce_account": (
        *_SALESFORCE,
        *_fields("integer", "NumberOfEmployees"),
        *_fields("decimal(18, 2)", "AnnualRevenue"),
    ),
    "salesforce_contact": _SALESFORCE,
    "salesforce_lead": (
        *_SALESFORCE,
        *_fields("boolean", "IsConverted"),
        *_fields("date", "ConvertedDate"),
    ),
    "salesforce_opportunity": (
        *_SALESFORCE,
        *_fields("decimal(18, 2)", "Amount"),
        *_fields("decimal(5, 2)", "Probability"),
        *_fields("date", "CloseDate"),
        *_fields("boolean", "IsClosed", "IsWon"),
    ),
    "salesforce_opportunity_history": (*_SALESFORCE, *_fields("decimal(18, 2)", "Amount")),
    "salesforce_opportunity_contact_role": (*_SALESFORCE, *_fields("boolean", "IsPrimary")),
    "salesforce_task": (
        *_SALESFORCE,
        *_fields("timestamptz", "CompletedDateTime"),
        *_fields("date", "ActivityDate"),
        *_fields("integer", "CallDurationInSeconds"),
    ),
    "salesforce_event": (
        *_SALESFORCE,
        *_fields("timestamptz", "ActivityDateTime"),
        *_fields("integer", "DurationInMinutes"),
    ),
    "marketing_campaigns": _fields("date", "start_date", "end_date"),
    "marketing_campaign_spend": _fields("decimal(18, 2)", "spend"),
    "marketing_email_events": _fields("timestamptz", "occurred_at"),
    "marketing_page_views": _fields("timestamptz", "occurred_at"),
    "marketing_form_submissions": _fields("timestamptz", "submitted_at"),
    "product_workspaces": (
        *_fields("integer", "seats_paid"),
        *_fields("timestamptz", "created_at"),
    ),
    "product_users": _fields("timestamptz", "created_at"),
    "billing_customers": _fields("epoch", "created"),
    "billing_subscriptions": (
        *_fields("epoch", "created", "start_date", *_SUBSCRIPTION_DATES),
        *_fields("boolean", "cancel_at_period_end"),
        *_fields("decimal(5, 2)", "discount.coupon.percent_off"),
        *_SUBSCRIPTION_ITEMS,
    ),
    "billing_subscription_events": (
        *_fields("epoch", "created", "data.object.created", "data.object.start_date"),
        *_fields("epoch", *(f"data.object.{name}" for name in _SUBSCRIPTION_DATES)),
        *_fields("boolean", "data.object.cancel_at_period_end"),
        *_fields("decimal(5, 2)", "data.object.discount.coupon.percent_off"),
        *(TypedField(("data", "object", *f.path), f.type) for f in _SUBSCRIPTION_ITEMS),
    ),
    "billing_invoices": (
        *_fields("epoch", "created", "period_start", "period_end"),
        *_fields("decimal(18, 0)", "subtotal", "tax", "total", "amount_paid"),
        *_fields("decimal(18, 0)", "lines.data.*.amount"),
        *_fields("boolean", "lines.data.*.proration"),
        *_fields("integer", "lines.data.*.quantity"),
        *_fields("epoch", "lines.data.*.period.start", "lines.data.*.period.end"),
    ),
    "billing_credit_notes": (
        *_fields("epoch", "created"),
        *_fields("decimal(18, 0)", "amount"),
    ),
    "billing_fx_rates": (
        *_fields("date", "date"),
        *_fields("decimal(18, 8)", "rate_to_eur"),
    ),
    "success_tickets": _fields("timestamptz", "created_at", "updated_at", "solved_at"),
    "success_survey_responses": (
        *_fields("integer", "score"),
        *_fields("timestamptz", "responded_at"),
    ),
}


def typed_fields(raw_table: str, mapping: CrmMapping) -> tuple[TypedField, ...]:
    """The typed fields of a table: its own, then the timestamps of the CRM properties whose
    history staging unnests (the deal stage's entry times), under the account's names."""
    history = tuple(
        TypedField(("propertiesWithHistory", account_property, "*", "timestamp"), "timestamptz")
        for field in CRM_MAPPED_FIELDS
        if field.history
        and f"crm_{field.object_type}" == raw_table
        and (account_property := mapping.property_of(field).property) is not None
    )
    return (*TYPED_FIELDS.get(raw_table, ()), *history)
