{#- The values from `start` to `stop` (both included) by `step` (an interval), one row each, as
    an expression of a select list: `select cast({{ series('a', 'b', "interval '1 day'") }} as date)`.
    Timestamps in, timestamps out, on both engines. -#}
{% macro series(start, stop, step) -%}
    {{ return(adapter.dispatch('series')(start ~ ', ' ~ stop ~ ', ' ~ step)) }}
{%- endmacro %}

{% macro duckdb__series(arguments) -%}
    unnest(generate_series({{ arguments }}))
{%- endmacro %}

{% macro postgres__series(arguments) -%}
    generate_series({{ arguments }})
{%- endmacro %}
