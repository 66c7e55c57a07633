{{ config(enabled=var('crm_source') == 'salesforce') }}

with

source as (

    select * from {{ source('salesforce', 'salesforce_opportunity_history') }}

),

-- The org's stage values (the CRM mapping): one row.
account as (

    select {{ crm_values('dealstage') }}

    from {{ source('crm', 'crm_mapping') }}
    where object_type = 'deals'

),

-- One row per stage an opportunity entered (OpportunityHistory also records amount and close
-- date changes: a row repeating the stage is not a new entry).
entries as (

    select
        source.{{ adapter.quote('Id') }} as history_id,
        source.{{ adapter.quote('OpportunityId') }} as deal_id,
        account.dealstage_values[source.{{ adapter.quote('StageName') }}] as deal_stage,
        {{ iso_to_utc_timestamp('source.' ~ adapter.quote('CreatedDate')) }} as entered_at,
        -- Salesforce does not say what changed the stage (HubSpot's `sourceType`).
        cast(null as {{ type_text() }}) as source_type,
        cast(source.{{ adapter.quote('IsDeleted') }} as boolean) as is_archived

    from source
    cross join account
    qualify
        source.{{ adapter.quote('StageName') }}
        is distinct from lag(source.{{ adapter.quote('StageName') }}) over (
            partition by source.{{ adapter.quote('OpportunityId') }}
            order by source.{{ adapter.quote('CreatedDate') }}, source.{{ adapter.quote('Id') }}
        )

)

select * from entries
