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
        source."Id" as owner_id,
        source."Email" as email,
        source."FirstName" as first_name,
        source."LastName" as last_name,
        concat_ws(' ', source."FirstName", source."LastName") as full_name,
        -- Where the reps file gives a value it wins, as for HubSpot owners.
        coalesce(reps.role, source."Title") as role,  -- noqa: RF04
        coalesce(reps.team, user_roles."Name") as team,
        coalesce(reps.quarterly_quota_eur, cast(source."Quarterly_Quota_EUR__c" as decimal(18, 2)))
            as quarterly_quota_eur,
        cast(source."Hire_Date__c" as date) as hired_date,
        {{ iso_to_utc_timestamp('source."CreatedDate"') }} as created_at,
        {{ iso_to_utc_timestamp('source."SystemModstamp"') }} as updated_at,
        cast(source."IsDeleted" as boolean) as is_archived,
        source._loaded_at as loaded_at

    from source
    left join user_roles on source."UserRoleId" = user_roles."Id"
    left join reps on lower(source."Email") = lower(reps.email)

)

select * from renamed
