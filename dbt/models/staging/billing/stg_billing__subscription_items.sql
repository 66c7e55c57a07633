with

source as (

    select * from {{ source('billing', 'billing_subscriptions') }}

),

-- One row per item of the subscription's current state; past states are in the event items.
unnested as (

    select
        {{ json_text('subscription_item.value', ['id']) }} as subscription_item_id,
        source.id as subscription_id,
        {{ subscription_item_columns('subscription_item.value') }}

    from source
    cross join {{ json_array_rows(json_value('source.items', ['data'])) }} as subscription_item

)

select * from unnested
