{#- The first row of each group of `keys` (a list of expressions) in `order` (an order by list
    that starts with the keys): DuckDB's and PostgreSQL's `select distinct on (keys) ...
    order by order`, written `select {{ distinct_on(keys) }} ... {{ distinct_on_order(keys,
    order) }}` in place of the order by. Spark has no distinct on: it keeps the row numbered 1
    in each group (qualify), and the select list stays as written. -#}
{% macro distinct_on(keys) -%}
    {{ return(adapter.dispatch('distinct_on')(keys)) }}
{%- endmacro %}

{% macro default__distinct_on(keys) -%}
    distinct on ({{ keys | join(', ') }})
{%- endmacro %}

{% macro spark__distinct_on(keys) -%}
{%- endmacro %}

{% macro distinct_on_order(keys, order) -%}
    {{ return(adapter.dispatch('distinct_on_order')(keys, order)) }}
{%- endmacro %}

{% macro default__distinct_on_order(keys, order) -%}
    order by {{ order }}
{%- endmacro %}

{% macro spark__distinct_on_order(keys, order) -%}
    qualify row_number() over (partition by {{ keys | join(', ') }} order by {{ order }}) = 1
{%- endmacro %}
