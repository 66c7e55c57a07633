with

source as (

    select * from {{ source('billing', 'billing_fx_rates') }}

),

renamed as (

    select
        cast("date" as date) as rate_date,
        upper(currency) as currency,
        cast(rate_to_eur as decimal(18, 8)) as rate_to_eur

    from source

)

select * from renamed
