with

source as (

    select * from {{ source('crm', 'crm_contacts') }}

),

-- HubSpot lists every value the property ever had, newest first; one row per change.
unnested as (

    select
        source.id as contact_id,
        lifecycle_change.value ->> 'value' as lifecycle_stage,
        {{ iso_to_utc_timestamp("lifecycle_change.value ->> 'timestamp'") }} as changed_at,
        lifecycle_change.value ->> 'sourceType' as source_type

    from source
    cross join json_each(source.propertieswithhistory -> 'lifecyclestage') as lifecycle_change

)

select * from unnested
