{{ config(enabled=var('crm_source') == 'salesforce') }}

with

source as (

    select
        source_table.*,
        -- The record as JSON: typed custom columns are read by the org's field names.
        {{ row_to_json('source_table') }} as record

    from {{ source('salesforce', 'salesforce_event') }} as source_table

),

-- The org's yes/no values, for typed flag columns (the CRM mapping): one row.
account as (

    select {{ crm_flags() }}

    from {{ source('crm', 'crm_mapping') }}
    where object_type = 'engagements'

),

-- Meetings.
renamed as (

    select
        source.{{ adapter.quote('Id') }} as engagement_id,
        'MEETING' as engagement_type,
        {{ iso_to_utc_timestamp('source.' ~ adapter.quote('ActivityDateTime')) }} as occurred_at,
        source.{{ adapter.quote('OwnerId') }} as owner_id,
        {{ salesforce_activity_links('source') }},
        cast(null as bigint) as call_duration_ms,
        -- Salesforce logs no direction on an email task.
        cast(null as {{ type_text() }}) as email_direction,
        {{ salesforce_custom_fields('source') }} as custom_properties,
        {{ crm_typed_columns('engagements', 'source.record') }}
        {{ iso_to_utc_timestamp('source.' ~ adapter.quote('CreatedDate')) }} as created_at,
        {{ iso_to_utc_timestamp('source.' ~ adapter.quote('SystemModstamp')) }} as updated_at,
        cast(source.{{ adapter.quote('IsDeleted') }} as boolean) as is_archived,
        source._loaded_at as loaded_at

    from source
    cross join account

)

select * from renamed
