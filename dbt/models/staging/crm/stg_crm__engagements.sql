with

source as (

    select * from {{ source('crm', 'crm_engagements') }}

),

renamed as (

    select
        id as engagement_id,
        properties ->> 'hs_engagement_type' as engagement_type,
        {{ iso_to_utc_timestamp("properties ->> 'hs_timestamp'") }} as occurred_at,
        properties ->> 'hubspot_owner_id' as owner_id,
        -- An activity can be logged against several records; the first of each kind is kept.
        associations -> 'contacts' -> 'results' -> 0 ->> 'id' as contact_id,
        associations -> 'companies' -> 'results' -> 0 ->> 'id' as company_id,
        associations -> 'deals' -> 'results' -> 0 ->> 'id' as deal_id,
        cast(properties ->> 'hs_call_duration' as bigint) as call_duration_ms,
        properties ->> 'hs_email_direction' as email_direction,
        {{ iso_to_utc_timestamp('"createdAt"') }} as created_at,
        {{ iso_to_utc_timestamp('"updatedAt"') }} as updated_at,
        cast(archived as boolean) as is_archived,
        _loaded_at as loaded_at

    from source

)

select * from renamed
