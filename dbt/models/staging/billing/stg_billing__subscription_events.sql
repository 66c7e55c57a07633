with

source as (

    select * from {{ source('billing', 'billing_subscription_events') }}

),

-- Each event carries the whole subscription as it stood right after the change.
renamed as (

    select
        id as event_id,
        type as event_type,
        {{ epoch_to_utc_timestamp('created') }} as occurred_at,
        {{ json_text('data', ['object', 'id']) }} as subscription_id,
        {{ json_text('data', ['object', 'customer']) }} as customer_id,
        {{ json_text('data', ['object', 'status']) }} as status,
        {{ epoch_to_utc_timestamp(json_text('data', ['object', 'created'])) }} as created_at,
        {{ epoch_to_utc_timestamp(json_text('data', ['object', 'start_date'])) }} as started_at,
        {{ epoch_to_utc_timestamp(json_text('data', ['object', 'canceled_at'])) }} as canceled_at,
        {{ epoch_to_utc_timestamp(json_text('data', ['object', 'ended_at'])) }} as ended_at,
        {{ epoch_to_utc_timestamp(json_text('data', ['object', 'trial_start'])) }} as trial_start_at,
        {{ epoch_to_utc_timestamp(json_text('data', ['object', 'trial_end'])) }} as trial_end_at,
        upper({{ json_text('data', ['object', 'currency']) }}) as currency,
        {{ json_text('data', ['object', 'discount', 'coupon', 'id']) }} as discount_coupon_id,
        cast(
            {{ json_text('data', ['object', 'discount', 'coupon', 'percent_off']) }} as decimal(5, 2)
        ) as discount_percent_off,
        {{ json_text('data', ['object', 'discount', 'coupon', 'duration']) }} as discount_duration,
        cast({{ json_text('data', ['object', 'cancel_at_period_end']) }} as boolean) as cancel_at_period_end,
        _landing_date as landing_date,
        _loaded_at as loaded_at

    from source

)

select * from renamed
