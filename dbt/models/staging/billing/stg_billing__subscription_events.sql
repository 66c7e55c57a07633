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
        data -> 'object' ->> 'id' as subscription_id,
        data -> 'object' ->> 'customer' as customer_id,
        data -> 'object' ->> 'status' as status,
        {{ epoch_to_utc_timestamp("data -> 'object' ->> 'created'") }} as created_at,
        {{ epoch_to_utc_timestamp("data -> 'object' ->> 'start_date'") }} as started_at,
        {{ epoch_to_utc_timestamp("data -> 'object' ->> 'canceled_at'") }} as canceled_at,
        {{ epoch_to_utc_timestamp("data -> 'object' ->> 'ended_at'") }} as ended_at,
        {{ epoch_to_utc_timestamp("data -> 'object' ->> 'trial_start'") }} as trial_start_at,
        {{ epoch_to_utc_timestamp("data -> 'object' ->> 'trial_end'") }} as trial_end_at,
        upper(data -> 'object' ->> 'currency') as currency,
        data -> 'object' -> 'discount' -> 'coupon' ->> 'id' as discount_coupon_id,
        cast(
            data -> 'object' -> 'discount' -> 'coupon' ->> 'percent_off' as decimal(5, 2)
        ) as discount_percent_off,
        data -> 'object' -> 'discount' -> 'coupon' ->> 'duration' as discount_duration,
        cast(data -> 'object' ->> 'cancel_at_period_end' as boolean) as cancel_at_period_end,
        _landing_date as landing_date,
        _loaded_at as loaded_at

    from source

)

select * from renamed
