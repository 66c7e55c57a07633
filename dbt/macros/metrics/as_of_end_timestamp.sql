{#- The first instant after the as-of date (midnight UTC of the next day). Metrics count what had
    happened by the end of `var('as_of_date')`: `occurred_at < as_of_end_timestamp()`. Never
    current_timestamp, so a rerun with the same as-of date gives the same numbers on any day. -#}
{% macro as_of_end_timestamp() -%}
    (cast('{{ var("as_of_date") }}' as date) + interval '1 day')
{%- endmacro %}
