with

source as (

    select * from {{ source('crm', 'crm_deals') }}

),

-- HubSpot lists every stage the deal entered, newest first; one row per stage entry.
unnested as (

    select
        source.id as deal_id,
        stage_change.value ->> 'value' as deal_stage,
        {{ iso_to_utc_timestamp("stage_change.value ->> 'timestamp'") }} as entered_at,
        stage_change.value ->> 'sourceType' as source_type

    from source
    cross join json_each(source.propertieswithhistory -> 'dealstage') as stage_change

)

select * from unnested
