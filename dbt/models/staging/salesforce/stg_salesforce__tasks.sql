{{ config(enabled=var('crm_source') == 'salesforce') }}

with

source as (

    select
        source_table.*,
        -- The record as JSON: typed custom columns are read by the org's field names.
        {{ row_to_json('source_table') }} as record

    from {{ source('salesforce', 'salesforce_task') }} as source_table

),

-- The org's yes/no values, for typed flag columns (the CRM mapping): one row.
account as (

    select {{ crm_flags() }}

    from {{ source('crm', 'crm_mapping') }}
    where object_type = 'engagements'

),

-- Calls and emails; other tasks (to-dos) are not activities with a lead.
renamed as (

    select
        source.{{ adapter.quote('Id') }} as engagement_id,
        case source.{{ adapter.quote('TaskSubtype') }}
            when 'Call' then 'CALL'
            when 'Email' then 'EMAIL'
        end as engagement_type,
        {{ iso_to_utc_timestamp('source.' ~ adapter.quote('CompletedDateTime')) }} as occurred_at,
        source.{{ adapter.quote('OwnerId') }} as owner_id,
        {{ salesforce_activity_links('source') }},
        cast(source.{{ adapter.quote('CallDurationInSeconds') }} as bigint) * 1000 as call_duration_ms,
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
    where source.{{ adapter.quote('TaskSubtype') }} in ('Call', 'Email')
)

select * from renamed
