with

source as (

    select * from {{ source('crm', 'crm_contacts') }}

),

renamed as (

    select
        id as contact_id,
        properties ->> 'associatedcompanyid' as company_id,
        properties ->> 'hubspot_owner_id' as owner_id,
        properties ->> 'email' as email,
        properties ->> 'firstname' as first_name,
        properties ->> 'lastname' as last_name,
        properties ->> 'jobtitle' as job_title,
        properties ->> 'hs_analytics_source' as source_channel,
        properties ->> 'lifecyclestage' as lifecycle_stage,
        {{ iso_to_utc_timestamp("coalesce(properties ->> 'createdate', \"createdAt\")") }} as created_at,
        cast(properties ->> 'bant_budget' as boolean) as bant_budget,
        cast(properties ->> 'bant_authority' as boolean) as bant_authority,
        cast(properties ->> 'bant_need' as boolean) as bant_need,
        cast(properties ->> 'bant_timing' as boolean) as bant_timing,
        {{ iso_to_utc_timestamp("properties ->> 'bant_qualified_at'") }} as bant_qualified_at,
        cast(properties ->> 'bmanter_market' as boolean) as bmanter_market,
        cast(properties ->> 'bmanter_reference' as boolean) as bmanter_reference,
        {{ iso_to_utc_timestamp('"updatedAt"') }} as updated_at,
        cast(archived as boolean) as is_archived,
        _loaded_at as loaded_at

    from source

)

select * from renamed
