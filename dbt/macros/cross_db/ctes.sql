{#- `name as not materialized (`: a CTE inlined where it is read, not computed once (DuckDB and
    PostgreSQL take the hint; Spark inlines every CTE and has no such words). -#}
{% macro not_materialized() -%}
    {{ return(adapter.dispatch('not_materialized')()) }}
{%- endmacro %}

{% macro default__not_materialized() -%}
    not materialized
{%- endmacro %}

{% macro spark__not_materialized() -%}
{%- endmacro %}
