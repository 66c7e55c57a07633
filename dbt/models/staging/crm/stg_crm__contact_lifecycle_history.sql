{{ config(enabled=var('crm_source') == 'hubspot') }}

with

source as (

    select * from {{ source('crm', 'crm_contacts') }}
    {{- loaded_since_last_build() }}

),

-- The account's lifecycle stage property and its stages (the CRM mapping): one row.
account as (

    select
        {{ crm_property('lifecyclestage') }},
        {{ crm_values('lifecyclestage') }}

    from {{ source('crm', 'crm_mapping') }}
    where object_type = 'contacts'

),

-- HubSpot lists every value the property ever had, newest first; one row per change.
unnested as (

    select
        source.id as contact_id,
        {{ map_get('account.lifecyclestage_values', json_text('lifecycle_change.value', ['value'])) }}
            as lifecycle_stage,
        {{ iso_to_utc_timestamp(json_text('lifecycle_change.value', ['timestamp'])) }} as changed_at,
        {{ json_text('lifecycle_change.value', ['sourceType']) }} as source_type,
        source._landing_date as landing_date,
        source._loaded_at as loaded_at

    from source
    cross join account
    cross join
        {{ json_array_rows(json_value_at(
            'source.' ~ adapter.quote('propertiesWithHistory'), 'account.lifecyclestage'
        )) }}
            as lifecycle_change

)

select * from unnested
