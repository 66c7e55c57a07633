with

source as (

    select * from {{ source('billing', 'billing_subscriptions') }}

),

renamed as (

    select
        id as subscription_id,
        customer as customer_id,
        status,
        {{ epoch_to_utc_timestamp('created') }} as created_at,
        {{ epoch_to_utc_timestamp('start_date') }} as started_at,
        {{ epoch_to_utc_timestamp('canceled_at') }} as canceled_at,
        {{ epoch_to_utc_timestamp('ended_at') }} as ended_at,
        {{ epoch_to_utc_timestamp('trial_start') }} as trial_start_at,
        {{ epoch_to_utc_timestamp('trial_end') }} as trial_end_at,
        upper(currency) as currency,
        {{ json_text('discount', ['coupon', 'id']) }} as discount_coupon_id,
        cast({{ json_text('discount', ['coupon', 'percent_off']) }} as decimal(5, 2)) as discount_percent_off,
        {{ json_text('discount', ['coupon', 'duration']) }} as discount_duration,
        cast(cancel_at_period_end as boolean) as cancel_at_period_end,
        _loaded_at as loaded_at

    from source

)

select * from renamed
