{{ config(enabled=var('crm_source') == 'hubspot') }}

with

source as (

    select * from {{ source('crm', 'crm_deals') }}

),

-- The account's deal stage property and its stage ids (the CRM mapping): one row.
account as (

    select
        {{ crm_property('dealstage') }},
        {{ crm_values('dealstage') }}

    from {{ source('crm', 'crm_mapping') }}
    where object_type = 'deals'

),

-- HubSpot lists every stage the deal entered, newest first; one row per stage entry.
unnested as (

    select
        source.id as deal_id,
        {{ map_get('account.dealstage_values', json_text('stage_change.value', ['value'])) }} as deal_stage,
        {{ iso_to_utc_timestamp(json_text('stage_change.value', ['timestamp'])) }} as entered_at,
        {{ json_text('stage_change.value', ['sourceType']) }} as source_type

    from source
    cross join account
    cross join
        {{ json_array_rows(json_value_at(
            'source.' ~ adapter.quote('propertiesWithHistory'), 'account.dealstage'
        )) }}
            as stage_change

)

select * from unnested
