with

source as (

    select * from {{ source('billing', 'billing_invoices') }}

),

renamed as (

    select
        id as invoice_id,
        customer as customer_id,
        subscription as subscription_id,
        status,
        upper(currency) as currency,
        {{ epoch_to_utc_timestamp('created') }} as created_at,
        {{ epoch_to_utc_timestamp('period_start') }} as period_start_at,
        {{ epoch_to_utc_timestamp('period_end') }} as period_end_at,
        {{ minor_units_to_amount('subtotal') }} as subtotal,
        {{ minor_units_to_amount('tax') }} as tax,
        {{ minor_units_to_amount('total') }} as total,
        -- Stripe: total = subtotal - discounts + tax, so the discounts are what that leaves.
        {{ minor_units_to_amount('subtotal') }} + coalesce({{ minor_units_to_amount('tax') }}, 0)
        - {{ minor_units_to_amount('total') }} as discount_amount,
        {{ minor_units_to_amount('amount_paid') }} as amount_paid,
        _loaded_at as loaded_at

    from source

)

select * from renamed
