{#- The monthly share of a recurring price: what one billing period charges (unit amount x
    quantity) times the periods in a year, over 12. Quarterly is month x 3, so a price of
    `interval_count` intervals bills (intervals per year / interval_count) times a year. One
    exact division, on integers (divide_exact); the published amounts round once, later. A price
    without a recurring interval gives null: it is not recurring revenue. -#}
{% macro monthly_recurring_amount(period_amount, billing_interval, interval_count) -%}
    {{ divide_exact(
        period_amount ~ " * case " ~ billing_interval ~ "
            when 'month' then 12
            when 'year' then 1
            when 'week' then 52
            when 'day' then 365
        end",
        "12 * " ~ interval_count,
    ) }}
{%- endmacro %}
