{#- The days from `start` to `stop` (both included) by `step` (an interval), one row each, as an
    expression of a select list: `select {{ date_series('a', 'b', "interval '1 day'") }} as day`.
    `start` and `stop` may be dates or timestamps; no row when `stop` is before `start`. -#}
{% macro date_series(start, stop, step) -%}
    {{ return(adapter.dispatch('date_series')(start, stop, step)) }}
{%- endmacro %}

{% macro duckdb__date_series(start, stop, step) -%}
    cast(unnest(generate_series({{ start }}, {{ stop }}, {{ step }})) as date)
{%- endmacro %}

{% macro postgres__date_series(start, stop, step) -%}
    cast(generate_series({{ start }}, {{ stop }}, {{ step }}) as date)
{%- endmacro %}

{#- Spark: a generator may not sit inside another expression (a cast), so the sequence is cast
    element by element before it is exploded; sequence() fails on a stop before its start, where
    the others give no row, so that case explodes null (no row). -#}
{% macro spark__date_series(start, stop, step) -%}
    explode(case when {{ stop }} >= {{ start }} then transform(
        sequence({{ start }}, {{ stop }}, {{ step }}), step_value -> cast(step_value as date)
    ) end)
{%- endmacro %}

{#- The integers from `start` to `stop` (both included) by `step`, one row each, as an expression
    of a select list: `select {{ integer_series('1', 'n', '1') }} as number`; no row when `stop` is
    before `start`. -#}
{% macro integer_series(start, stop, step) -%}
    {{ return(adapter.dispatch('integer_series')(start, stop, step)) }}
{%- endmacro %}

{% macro duckdb__integer_series(start, stop, step) -%}
    unnest(generate_series({{ start }}, {{ stop }}, {{ step }}))
{%- endmacro %}

{% macro postgres__integer_series(start, stop, step) -%}
    generate_series({{ start }}, {{ stop }}, {{ step }})
{%- endmacro %}

{#- Spark: sequence() wants one integral type for all three (an integer division is a decimal
    there). -#}
{% macro spark__integer_series(start, stop, step) -%}
    explode(case when {{ stop }} >= {{ start }} then sequence(
        cast({{ start }} as bigint), cast({{ stop }} as bigint), cast({{ step }} as bigint)
    ) end)
{%- endmacro %}
