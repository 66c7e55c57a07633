{{ config(enabled=var('crm_source') == 'hubspot') }}

with

source as (

    select * from {{ source('crm', 'crm_engagements') }}
    {{- loaded_since_last_build() }}

),

-- The account's yes/no values, for typed flag columns (the CRM mapping): one row.
account as (

    select
        {{ crm_flags() }},
        {{ crm_mapped_properties() }}

    from {{ source('crm', 'crm_mapping') }}
    where object_type = 'engagements'

),

renamed as (

    select
        source.id as engagement_id,
        {{ json_text('source.properties', ['hs_engagement_type']) }} as engagement_type,
        {{ iso_to_utc_timestamp(json_text('source.properties', ['hs_timestamp'])) }} as occurred_at,
        {{ json_text('source.properties', ['hubspot_owner_id']) }} as owner_id,
        -- An activity can be logged against several records; the first of each kind is kept.
        {{ json_text('source.associations', ['contacts', 'results', 0, 'id']) }} as contact_id,
        {{ json_text('source.associations', ['companies', 'results', 0, 'id']) }} as company_id,
        {{ json_text('source.associations', ['deals', 'results', 0, 'id']) }} as deal_id,
        cast({{ json_text('source.properties', ['hs_call_duration']) }} as bigint) as call_duration_ms,
        {{ json_text('source.properties', ['hs_email_direction']) }} as email_direction,
        {{ crm_custom_properties(
            ['hs_engagement_type', 'hs_timestamp', 'hubspot_owner_id', 'hs_call_duration',
            'hs_email_direction']
        ) }} as custom_properties,
        {{ crm_typed_columns('engagements') }}
        {{ iso_to_utc_timestamp('source.' ~ adapter.quote('createdAt')) }} as created_at,
        {{ iso_to_utc_timestamp('source.' ~ adapter.quote('updatedAt')) }} as updated_at,
        cast(source.archived as boolean) as is_archived,
        source._landing_date as landing_date,
        source._loaded_at as loaded_at

    from source
    cross join account

)

select * from renamed
