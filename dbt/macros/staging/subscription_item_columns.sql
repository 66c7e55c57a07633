{#- A Stripe subscription item's price and quantity, read from `item` (the item's JSON): the
    columns that a subscription's current items, an event's items and a delivered version's items
    all have. The lines are indented as in the models' select lists, where the macro stands. -#}
{% macro subscription_item_columns(item) -%}
        {{ json_text(item, ['price', 'id']) }} as price_id,
        {{ json_text(item, ['price', 'product']) }} as product_id,
        cast({{ json_text(item, ['quantity']) }} as integer) as quantity,
        {{ minor_units_to_amount(json_text(item, ['price', 'unit_amount'])) }}
            as unit_amount,
        upper({{ json_text(item, ['price', 'currency']) }}) as currency,
        {{ json_text(item, ['price', 'recurring', 'interval']) }} as billing_interval,
        cast(
            {{ json_text(item, ['price', 'recurring', 'interval_count']) }} as integer
        ) as interval_count
{%- endmacro %}
