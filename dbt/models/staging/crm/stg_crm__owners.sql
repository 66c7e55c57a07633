{{ config(enabled=var('crm_source') == 'hubspot') }}

with

source as (

    select * from {{ source('crm', 'crm_owners') }}

),

-- The reps file: role, team and quota of owners whose export lacks them (empty without one).
reps as (

    select * from {{ source('crm', 'crm_reps') }}

),

renamed as (

    select
        source.id as owner_id,
        {{ json_text('source.properties', ['email']) }} as email,
        {{ json_text('source.properties', ['firstname']) }} as first_name,
        {{ json_text('source.properties', ['lastname']) }} as last_name,
        concat_ws(
            ' ',
            {{ json_text('source.properties', ['firstname']) }},
            {{ json_text('source.properties', ['lastname']) }}
        ) as full_name,
        -- Where the reps file gives a value it wins: it is the one RevOps maintains.
        coalesce(reps.role, {{ json_text('source.properties', ['role']) }}) as role,  -- noqa: RF04
        coalesce(reps.team, {{ json_text('source.properties', ['team']) }}) as team,
        coalesce(
            reps.quarterly_quota_eur,
            cast({{ json_text('source.properties', ['quarterly_quota_eur']) }} as decimal(18, 2))
        ) as quarterly_quota_eur,
        cast({{ json_text('source.properties', ['hire_date']) }} as date) as hired_date,
        {{ iso_to_utc_timestamp('source.' ~ adapter.quote('createdAt')) }} as created_at,
        {{ iso_to_utc_timestamp('source.' ~ adapter.quote('updatedAt')) }} as updated_at,
        cast(source.archived as boolean) as is_archived,
        source._loaded_at as loaded_at

    from source
    left join reps on lower({{ json_text('source.properties', ['email']) }}) = lower(reps.email)

)

select * from renamed
