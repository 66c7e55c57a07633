with

source as (

    select * from {{ source('billing', 'billing_subscription_events') }}

),

-- One row per event and item: the prices and quantities in force from that event on.
unnested as (

    select
        source.id as event_id,
        {{ json_text('source.data', ['object', 'id']) }} as subscription_id,
        {{ epoch_to_utc_timestamp('source.created') }} as occurred_at,
        {{ json_text('subscription_item.value', ['id']) }} as subscription_item_id,
        {{ json_text('subscription_item.value', ['price', 'id']) }} as price_id,
        {{ json_text('subscription_item.value', ['price', 'product']) }} as product_id,
        cast({{ json_text('subscription_item.value', ['quantity']) }} as integer) as quantity,
        {{ minor_units_to_amount(json_text('subscription_item.value', ['price', 'unit_amount'])) }}
            as unit_amount,
        upper({{ json_text('subscription_item.value', ['price', 'currency']) }}) as currency,
        {{ json_text('subscription_item.value', ['price', 'recurring', 'interval']) }} as billing_interval,
        cast(
            {{ json_text('subscription_item.value', ['price', 'recurring', 'interval_count']) }} as integer
        ) as interval_count

    from source
    cross join
        {{ json_array_rows(json_value('source.data', ['object', 'items', 'data'])) }} as subscription_item

)

select * from unnested
