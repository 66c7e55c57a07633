{{ config(enabled=var('crm_source') == 'hubspot') }}

with

source as (

    select * from {{ source('crm', 'crm_companies') }}

),

-- The account's yes/no values, for typed flag columns (the CRM mapping): one row.
account as (

    select
        {{ crm_flags() }},
        {{ crm_mapped_properties() }}

    from {{ source('crm', 'crm_mapping') }}
    where object_type = 'companies'

),

renamed as (

    select
        source.id as company_id,
        -- `name` and `domain` are the column names downstream models use (the staging contract).
        {{ json_text('source.properties', ['name']) }} as name,  -- noqa: RF04
        {{ json_text('source.properties', ['domain']) }} as domain,  -- noqa: RF04
        {{ json_text('source.properties', ['industry']) }} as industry,
        {{ json_text('source.properties', ['country']) }} as country,
        cast({{ json_text('source.properties', ['numberofemployees']) }} as integer) as employees,
        cast({{ json_text('source.properties', ['annualrevenue']) }} as decimal(18, 2)) as annual_revenue,
        {{ json_text('source.properties', ['hubspot_owner_id']) }} as owner_id,
        -- `createdate` is the CRM record's creation, editable on import; the object's own
        -- `createdAt` is the fallback when the property is empty.
        {{ iso_to_utc_timestamp(
            "coalesce(" ~ json_text('source.properties', ['createdate']) ~ ', source.' ~ adapter.quote('createdAt') ~ ')'
        ) }}
            as created_at,
        {{ crm_custom_properties(
            ['name', 'domain', 'industry', 'country', 'numberofemployees', 'annualrevenue',
            'hubspot_owner_id', 'createdate']
        ) }} as custom_properties,
        {{ crm_typed_columns('companies') }}
        {{ iso_to_utc_timestamp('source.' ~ adapter.quote('updatedAt')) }} as updated_at,
        cast(source.archived as boolean) as is_archived,
        source._loaded_at as loaded_at

    from source
    cross join account

)

select * from renamed
