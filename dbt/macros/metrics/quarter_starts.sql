{#- One row per calendar quarter (its first day, `quarter_start`) from the quarter of the earliest
    `timestamp_column` in `relation` to the quarter of the as-of date. -#}
{% macro quarter_starts(relation, timestamp_column) -%}
    select
        {{ date_series(
            "cast(date_trunc('quarter', min(" ~ timestamp_column ~ ")) as timestamp)",
            "cast(date_trunc('quarter', cast('" ~ var('as_of_date') ~ "' as date)) as timestamp)",
            "interval '3 month'",
        ) }} as quarter_start

    from {{ relation }}
{%- endmacro %}
