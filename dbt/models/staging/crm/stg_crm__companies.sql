with

source as (

    select * from {{ source('crm', 'crm_companies') }}

),

renamed as (

    select
        id as company_id,
        -- `name` and `domain` are the column names downstream models use (the staging contract).
        properties ->> 'name' as name,  -- noqa: RF04
        properties ->> 'domain' as domain,  -- noqa: RF04
        properties ->> 'industry' as industry,
        properties ->> 'country' as country,
        cast(properties ->> 'numberofemployees' as integer) as employees,
        cast(properties ->> 'annualrevenue' as decimal(18, 2)) as annual_revenue,
        properties ->> 'hubspot_owner_id' as owner_id,
        -- `createdate` is the CRM record's creation, editable on import; the object's own
        -- `createdAt` is the fallback when the property is empty.
        {{ iso_to_utc_timestamp("coalesce(properties ->> 'createdate', \"createdAt\")") }} as created_at,
        {{ iso_to_utc_timestamp('"updatedAt"') }} as updated_at,
        cast(archived as boolean) as is_archived,
        _loaded_at as loaded_at

    from source

)

select * from renamed
