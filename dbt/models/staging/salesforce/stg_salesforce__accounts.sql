{{ config(enabled=var('crm_source') == 'salesforce') }}

with

source as (

    select
        source_table.*,
        -- The record as JSON: typed custom columns are read by the org's field names.
        {{ row_to_json('source_table') }} as record

    from {{ source('salesforce', 'salesforce_account') }} as source_table

),

-- The org's yes/no values, for typed flag columns (the CRM mapping): one row.
account as (

    select {{ crm_flags() }}

    from {{ source('crm', 'crm_mapping') }}
    where object_type = 'companies'

),

renamed as (

    select
        source.{{ adapter.quote('Id') }} as company_id,
        source.{{ adapter.quote('Name') }} as name,  -- noqa: RF04
        source.{{ adapter.quote('Website') }} as domain,  -- noqa: RF04
        source.{{ adapter.quote('Industry') }} as industry,
        source.{{ adapter.quote('BillingCountry') }} as country,
        cast(source.{{ adapter.quote('NumberOfEmployees') }} as integer) as employees,
        cast(source.{{ adapter.quote('AnnualRevenue') }} as decimal(18, 2)) as annual_revenue,
        source.{{ adapter.quote('OwnerId') }} as owner_id,
        {{ salesforce_custom_fields('source') }} as custom_properties,
        {{ crm_typed_columns('companies', 'source.record') }}
        {{ iso_to_utc_timestamp('source.' ~ adapter.quote('CreatedDate')) }} as created_at,
        {{ iso_to_utc_timestamp('source.' ~ adapter.quote('SystemModstamp')) }} as updated_at,
        cast(source.{{ adapter.quote('IsDeleted') }} as boolean) as is_archived,
        source._loaded_at as loaded_at

    from source
    cross join account

)

select * from renamed
