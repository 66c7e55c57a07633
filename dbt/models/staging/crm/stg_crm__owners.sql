with

source as (

    select * from {{ source('crm', 'crm_owners') }}

),

renamed as (

    select
        id as owner_id,
        properties ->> 'email' as email,
        properties ->> 'firstname' as first_name,
        properties ->> 'lastname' as last_name,
        concat_ws(' ', properties ->> 'firstname', properties ->> 'lastname') as full_name,
        properties ->> 'role' as role,  -- noqa: RF04
        properties ->> 'team' as team,
        cast(properties ->> 'quarterly_quota_eur' as decimal(18, 2)) as quarterly_quota_eur,
        cast(properties ->> 'hire_date' as date) as hired_date,
        {{ iso_to_utc_timestamp('"createdAt"') }} as created_at,
        {{ iso_to_utc_timestamp('"updatedAt"') }} as updated_at,
        cast(archived as boolean) as is_archived,
        _loaded_at as loaded_at

    from source

)

select * from renamed
