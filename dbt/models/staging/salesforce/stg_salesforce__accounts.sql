{{ config(enabled=var('crm_source') == 'salesforce') }}

with

source as (

    select * from {{ source('salesforce', 'salesforce_account') }}

),

renamed as (

    select
        source."Id" as company_id,
        source."Name" as name,  -- noqa: RF04
        source."Website" as domain,  -- noqa: RF04
        source."Industry" as industry,
        source."BillingCountry" as country,
        cast(source."NumberOfEmployees" as integer) as employees,
        cast(source."AnnualRevenue" as decimal(18, 2)) as annual_revenue,
        source."OwnerId" as owner_id,
        {{ salesforce_custom_fields('source') }} as custom_properties,
        {{ iso_to_utc_timestamp('source."CreatedDate"') }} as created_at,
        {{ iso_to_utc_timestamp('source."SystemModstamp"') }} as updated_at,
        cast(source."IsDeleted" as boolean) as is_archived,
        source._loaded_at as loaded_at

    from source

)

select * from renamed
