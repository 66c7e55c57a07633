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
        source."Id" as history_id,
        source."OpportunityId" as deal_id,
        account.dealstage_values[source."StageName"] as deal_stage,
        {{ iso_to_utc_timestamp('source."CreatedDate"') }} as entered_at,
        -- Salesforce does not say what changed the stage (HubSpot's `sourceType`).
        cast(null as {{ type_text() }}) as source_type,
        cast(source."IsDeleted" as boolean) as is_archived

    from source
    cross join account
    qualify
        source."StageName"
        is distinct from lag(source."StageName") over (
            partition by source."OpportunityId" order by source."CreatedDate", source."Id"
        )

)

select * from entries
