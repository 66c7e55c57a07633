with

source as (

    select * from {{ source('billing', 'billing_subscriptions') }}

),

-- One row per item of the subscription's current state; past states are in the event items.
unnested as (

    select
        subscription_item.value ->> 'id' as subscription_item_id,
        source.id as subscription_id,
        subscription_item.value -> 'price' ->> 'id' as price_id,
        subscription_item.value -> 'price' ->> 'product' as product_id,
        cast(subscription_item.value ->> 'quantity' as integer) as quantity,
        {{ minor_units_to_amount("subscription_item.value -> 'price' ->> 'unit_amount'") }} as unit_amount,
        upper(subscription_item.value -> 'price' ->> 'currency') as currency,
        subscription_item.value -> 'price' -> 'recurring' ->> 'interval' as billing_interval,
        cast(
            subscription_item.value -> 'price' -> 'recurring' ->> 'interval_count' as integer
        ) as interval_count

    from source
    cross join {{ json_array_rows("source.items -> 'data'") }} as subscription_item

)

select * from unnested
