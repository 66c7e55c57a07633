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
        {{ subscription_item_columns('subscription_item.value') }}

    from source
    cross join
        {{ json_array_rows(json_value('source.data', ['object', 'items', 'data'])) }} as subscription_item

)

select * from unnested
