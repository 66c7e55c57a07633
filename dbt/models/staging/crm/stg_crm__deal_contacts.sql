{{ config(enabled=var('crm_source') == 'hubspot') }}

{#- One row per contact associated with a deal: HubSpot lists every associated contact, the
    primary one first; the deal's own row keeps only the primary (stg_crm__deals.contact_id). -#}
with

source as (

    select * from {{ source('crm', 'crm_deals') }}

),

associations as (

    select
        source.id as deal_id,
        {{ json_text('association.value', ['id']) }} as contact_id,
        {{ json_text('association.value', ['type']) }} as association_type,
        association.position as association_index

    from source
    cross join
        {{ json_array_rows_indexed(json_value('source.associations', ['contacts', 'results'])) }}
            as association

),

final as (

    select {{ distinct_on(['deal_id', 'contact_id']) }}
        deal_id || ':' || contact_id as deal_contact_id,
        deal_id,
        contact_id,
        association_type,
        association_index = 0 as is_primary

    from associations
    {{ distinct_on_order(['deal_id', 'contact_id'], 'deal_id, contact_id, association_index') }}

)

select * from final
