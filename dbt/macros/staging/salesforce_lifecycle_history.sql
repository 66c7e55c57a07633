{#- A Salesforce status history (LeadHistory, ContactHistory): field history tracks every tracked
    field of the record; this keeps the lifecycle stage's changes only, read through the CRM
    mapping (its field name and values), keyed by the record's id column `record_id` renamed
    `record_key`. Leads and contacts share it: one reading of the org's history. -#}
{% macro salesforce_lifecycle_history(source_table, record_id, record_key) -%}
with

source as (

    select * from {{ source('salesforce', source_table) }}

),

-- The org's lifecycle stage field and its values (the CRM mapping): one row.
account as (

    select
        {{ crm_property('lifecyclestage') }},
        {{ crm_values('lifecyclestage') }}

    from {{ source('crm', 'crm_mapping') }}
    where object_type = 'contacts'

),

changes as (

    select
        source."Id" as history_id,
        source."{{ record_id }}" as {{ record_key }},
        account.lifecyclestage_values[source."NewValue"] as lifecycle_stage,
        {{ iso_to_utc_timestamp('source."CreatedDate"') }} as changed_at,
        cast(source."IsDeleted" as boolean) as is_archived

    from source
    cross join account
    where source."Field" = account.lifecyclestage

)

select * from changes
{%- endmacro %}
