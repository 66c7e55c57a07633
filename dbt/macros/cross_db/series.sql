{#- The days from `start` to `stop` (both included) by `step` (an interval), one row each, as an
    expression of a select list: `select {{ date_series('a', 'b', "interval '1 day'") }} as day`.
    `start` and `stop` may be dates or timestamps. -#}
{% macro date_series(start, stop, step) -%}
    {{ return(adapter.dispatch('date_series')(start ~ ', ' ~ stop ~ ', ' ~ step)) }}
{%- endmacro %}

{% macro duckdb__date_series(arguments) -%}
    cast(unnest(generate_series({{ arguments }})) as date)
{%- endmacro %}

{% macro postgres__date_series(arguments) -%}
    cast(generate_series({{ arguments }}) as date)
{%- endmacro %}

{#- Spark: a generator may not sit inside another expression (a cast), so the sequence is cast
    element by element before it is exploded. -#}
{% macro spark__date_series(arguments) -%}
    explode(transform(sequence({{ arguments }}), step_value -> cast(step_value as date)))
{%- endmacro %}
