{{ config(enabled=var('crm_source') == 'salesforce') }}

with

source as (

    select * from {{ source('salesforce', 'salesforce_user') }}

),

-- The role hierarchy: a user's role names the team.
user_roles as (

    select * from {{ source('salesforce', 'salesforce_user_role') }}

),

-- The reps file: role, team and quota of users whose record lacks them (empty without one).
reps as (

    select * from {{ source('crm', 'crm_reps') }}

),

renamed as (

    select
        source.{{ adapter.quote('Id') }} as owner_id,
        source.{{ adapter.quote('Email') }} as email,
        source.{{ adapter.quote('FirstName') }} as first_name,
        source.{{ adapter.quote('LastName') }} as last_name,
        concat_ws(
            ' ', source.{{ adapter.quote('FirstName') }}, source.{{ adapter.quote('LastName') }}
        ) as full_name,
        -- Where the reps file gives a value it wins, as for HubSpot owners.
        coalesce(reps.role, source.{{ adapter.quote('Title') }}) as role,  -- noqa: RF04
        coalesce(reps.team, user_roles.{{ adapter.quote('Name') }}) as team,
        coalesce(
            reps.quarterly_quota_eur,
            cast(source.{{ adapter.quote('Quarterly_Quota_EUR__c') }} as decimal(18, 2))
        ) as quarterly_quota_eur,
        cast(source.{{ adapter.quote('Hire_Date__c') }} as date) as hired_date,
        {{ iso_to_utc_timestamp('source.' ~ adapter.quote('CreatedDate')) }} as created_at,
        {{ iso_to_utc_timestamp('source.' ~ adapter.quote('SystemModstamp')) }} as updated_at,
        cast(source.{{ adapter.quote('IsDeleted') }} as boolean) as is_archived,
        source._loaded_at as loaded_at

    from source
    left join user_roles on source.{{ adapter.quote('UserRoleId') }} = user_roles.{{ adapter.quote('Id') }}
    left join reps on lower(source.{{ adapter.quote('Email') }}) = lower(reps.email)

)

select * from renamed
