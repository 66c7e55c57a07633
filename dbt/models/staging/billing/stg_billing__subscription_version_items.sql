with

source as (

    select * from {{ source('billing', 'billing_subscriptions__versions') }}

),

-- One row per delivered version and item: the prices and quantities the version shows.
unnested as (

    select
        source.id || '@' || source._source_file || ':' || source._source_line as version_id,
        source.id as subscription_id,
        {{ json_text('subscription_item.value', ['id']) }} as subscription_item_id,
        {{ subscription_item_columns('subscription_item.value') }}

    from source
    cross join {{ json_array_rows(json_value('source.items', ['data'])) }} as subscription_item

)

select * from unnested
