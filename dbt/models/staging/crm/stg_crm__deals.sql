{{ config(enabled=var('crm_source') == 'hubspot') }}

with

source as (

    select * from {{ source('crm', 'crm_deals') }}

),

-- The account's names for the contract's deal fields and values (the CRM mapping): one row.
account as (

    select
        {{ crm_contract_properties('deals') }},
        {{ crm_mapped_properties() }}

    from {{ source('crm', 'crm_mapping') }}
    where object_type = 'deals'

),

renamed as (

    select
        source.id as deal_id,
        -- HubSpot returns the primary association first.
        {{ json_text('source.associations', ['companies', 'results', 0, 'id']) }} as company_id,
        {{ json_text('source.associations', ['contacts', 'results', 0, 'id']) }} as contact_id,
        {{ json_text('source.properties', ['hubspot_owner_id']) }} as owner_id,
        {{ json_text('source.properties', ['dealname']) }} as deal_name,
        cast({{ json_text('source.properties', ['amount']) }} as decimal(18, 2)) as amount,
        upper({{ json_text('source.properties', ['deal_currency_code']) }}) as currency,
        {{ json_text('source.properties', ['pipeline']) }} as pipeline,
        {{ crm_value('dealstage') }} as deal_stage,
        {{ iso_to_utc_timestamp(
            "coalesce(" ~ json_text('source.properties', ['createdate']) ~ ', source.' ~ adapter.quote('createdAt') ~ ')'
        ) }}
            as created_at,
        cast({{ iso_to_utc_timestamp(json_text('source.properties', ['closedate'])) }} as date) as close_date,
        {{ crm_value('deal_origin') }} as deal_origin,
        {{ crm_flag('meddic_metrics') }} as meddic_metrics,
        {{ crm_flag('meddic_economic_buyer') }} as meddic_economic_buyer,
        {{ crm_flag('meddic_decision_criteria') }} as meddic_decision_criteria,
        {{ crm_flag('meddic_decision_process') }} as meddic_decision_process,
        {{ crm_flag('meddic_identify_pain') }} as meddic_identify_pain,
        {{ crm_flag('meddic_champion') }} as meddic_champion,
        {{ crm_flag('meddpicc_paper_process') }} as meddpicc_paper_process,
        {{ crm_flag('meddpicc_competition') }} as meddpicc_competition,
        {{ json_text('source.properties', ['closed_lost_reason']) }} as closed_lost_reason,
        -- HubSpot's standard deal type (newbusiness, existingbusiness; a company may add renewal).
        lower({{ json_text('source.properties', ['dealtype']) }}) as deal_type,
        {{ crm_custom_properties(
            ['hubspot_owner_id', 'dealname', 'amount', 'deal_currency_code', 'pipeline',
            'createdate', 'closedate', 'closed_lost_reason', 'dealtype']
        ) }} as custom_properties,
        {{ crm_typed_columns('deals') }}
        {{ iso_to_utc_timestamp('source.' ~ adapter.quote('updatedAt')) }} as updated_at,
        cast(source.archived as boolean) as is_archived,
        source._loaded_at as loaded_at

    from source
    cross join account

)

select * from renamed
