{#- A Salesforce status history (LeadHistory, ContactHistory), as the stages a record entered.
    Field history tracks every tracked field of the record; this keeps the lifecycle stage's
    changes, read through the CRM mapping (its field name and values), keyed by the record's id
    column `record_id` renamed `record_key`. Field history records a new record as a `created`
    row, without the value it was created with: the first stage is the first change's OldValue,
    or, when the stage never changed (or the record has no history row), the record's current
    value (`object_table`), entered when the record was created. Leads and contacts share it:
    one reading of the org's history. -#}
{% macro salesforce_lifecycle_history(source_table, object_table, record_id, record_key) -%}
with

source as (

    select * from {{ source('salesforce', source_table) }}

),

records as (

    select
        object_table.*,
        -- The record as JSON: the stage is read by the org's field name.
        {{ row_to_json('object_table') }} as record

    from {{ source('salesforce', object_table) }} as object_table

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
        source.{{ adapter.quote('Id') }} as history_id,
        source.{{ adapter.quote(record_id) }} as {{ record_key }},
        account.lifecyclestage_values[source.{{ adapter.quote('OldValue') }}] as previous_stage,
        account.lifecyclestage_values[source.{{ adapter.quote('NewValue') }}] as lifecycle_stage,
        {{ iso_to_utc_timestamp('source.' ~ adapter.quote('CreatedDate')) }} as changed_at,
        cast(source.{{ adapter.quote('IsDeleted') }} as boolean) as is_archived

    from source
    cross join account
    where source.{{ adapter.quote('Field') }} = account.lifecyclestage

),

first_changes as (

    select
        {{ record_key }},
        previous_stage

    from changes
    qualify row_number() over (partition by {{ record_key }} order by changed_at, history_id) = 1

),

created_rows as (

    select
        {{ adapter.quote(record_id) }} as {{ record_key }},
        min({{ adapter.quote('Id') }}) as history_id

    from source
    where {{ adapter.quote('Field') }} = 'created'
    group by 1

),

-- The stage each record was created with, at its creation: keyed by its `created` row, or by
-- the record's own id when field history holds none.
first_stages as (

    select
        coalesce(created_rows.history_id, records.{{ adapter.quote('Id') }}) as history_id,
        records.{{ adapter.quote('Id') }} as {{ record_key }},
        coalesce(
            first_changes.previous_stage,
            account.lifecyclestage_values[{{ json_text_at('records.record', 'account.lifecyclestage') }}]
        ) as lifecycle_stage,
        {{ iso_to_utc_timestamp('records.' ~ adapter.quote('CreatedDate')) }} as changed_at,
        cast(records.{{ adapter.quote('IsDeleted') }} as boolean) as is_archived

    from records
    cross join account
    left join first_changes on records.{{ adapter.quote('Id') }} = first_changes.{{ record_key }}
    left join created_rows on records.{{ adapter.quote('Id') }} = created_rows.{{ record_key }}

),

entries as (

    select
        history_id,
        {{ record_key }},
        lifecycle_stage,
        changed_at,
        is_archived

    from first_stages
    where lifecycle_stage is not null

    union all

    select
        history_id,
        {{ record_key }},
        lifecycle_stage,
        changed_at,
        is_archived

    from changes

)

select * from entries
{%- endmacro %}
