with

source as (

    select * from {{ source('billing', 'billing_customers') }}

),

renamed as (

    select
        id as customer_id,
        metadata ->> 'hubspot_company_id' as company_id,
        email,
        upper(currency) as currency,
        {{ epoch_to_utc_timestamp('created') }} as created_at,
        _loaded_at as loaded_at

    from source

)

select * from renamed
