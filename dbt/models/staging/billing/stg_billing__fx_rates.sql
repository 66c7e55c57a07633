with

source as (

    select * from {{ source('billing', 'billing_fx_rates') }}

),

renamed as (

    select
        -- The export names the column `date`: quoted so it reads as a column, not the type.
        cast({{ adapter.quote('date') }} as date) as rate_date,  -- noqa: RF06
        upper(currency) as currency,
        cast(rate_to_eur as decimal(18, 8)) as rate_to_eur,
        _loaded_at as loaded_at

    from source

)

select * from renamed
