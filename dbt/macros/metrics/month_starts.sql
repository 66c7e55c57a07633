{#- One row per calendar month (its first day, `month_start`) from the month of the earliest
    `timestamp_column` in `relation` to the month of the as-of date. -#}
{% macro month_starts(relation, timestamp_column) -%}
    select
        {{ date_series(
            "cast(date_trunc('month', min(" ~ timestamp_column ~ ")) as timestamp)",
            "cast(date_trunc('month', cast('" ~ var('as_of_date') ~ "' as date)) as timestamp)",
            "interval '1 month'",
        ) }} as month_start

    from {{ relation }}
{%- endmacro %}
