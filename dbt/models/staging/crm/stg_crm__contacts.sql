{{ config(enabled=var('crm_source') == 'hubspot') }}

with

source as (

    select * from {{ source('crm', 'crm_contacts') }}
    {{- loaded_since_last_build() }}

),

-- The account's names for the contract's contact fields and values (the CRM mapping): one row.
account as (

    select
        {{ crm_contract_properties('contacts') }},
        {{ crm_mapped_properties() }}

    from {{ source('crm', 'crm_mapping') }}
    where object_type = 'contacts'

),

renamed as (

    select
        source.id as contact_id,
        {{ json_text('source.properties', ['associatedcompanyid']) }} as company_id,
        {{ json_text('source.properties', ['hubspot_owner_id']) }} as owner_id,
        {{ json_text('source.properties', ['email']) }} as email,
        {{ json_text('source.properties', ['firstname']) }} as first_name,
        {{ json_text('source.properties', ['lastname']) }} as last_name,
        {{ json_text('source.properties', ['jobtitle']) }} as job_title,
        {{ crm_value('hs_analytics_source') }} as source_channel,
        {{ crm_value('lifecyclestage') }} as lifecycle_stage,
        {{ iso_to_utc_timestamp(
            "coalesce(" ~ json_text('source.properties', ['createdate']) ~ ', source.' ~ adapter.quote('createdAt') ~ ')'
        ) }}
            as created_at,
        {{ crm_flag('bant_budget') }} as bant_budget,
        {{ crm_flag('bant_authority') }} as bant_authority,
        {{ crm_flag('bant_need') }} as bant_need,
        {{ crm_flag('bant_timing') }} as bant_timing,
        {{ iso_to_utc_timestamp(crm_text('bant_qualified_at')) }} as bant_qualified_at,
        {{ crm_flag('bmanter_market') }} as bmanter_market,
        {{ crm_flag('bmanter_reference') }} as bmanter_reference,
        {{ crm_custom_properties(
            ['associatedcompanyid', 'hubspot_owner_id', 'email', 'firstname', 'lastname',
            'jobtitle', 'createdate']
        ) }} as custom_properties,
        {{ crm_typed_columns('contacts') }}
        {{ iso_to_utc_timestamp('source.' ~ adapter.quote('updatedAt')) }} as updated_at,
        cast(source.archived as boolean) as is_archived,
        source._landing_date as landing_date,
        source._loaded_at as loaded_at

    from source
    cross join account

)

select * from renamed
