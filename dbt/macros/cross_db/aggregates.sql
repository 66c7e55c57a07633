{#- Aggregates DuckDB has and PostgreSQL 15 lacks. -#}

{#- Any non-null value of the group (for columns that hold one value per group). -#}
{% macro any_non_null(expression) -%}
    {{ return(adapter.dispatch('any_non_null')(expression)) }}
{%- endmacro %}

{% macro duckdb__any_non_null(expression) -%}
    any_value({{ expression }})
{%- endmacro %}

{% macro postgres__any_non_null(expression) -%}
    (array_agg({{ expression }}) filter (where {{ expression }} is not null))[1]
{%- endmacro %}

{#- `value` of the row with the smallest `ordering` (rows where either is null are skipped). -#}
{% macro arg_min(value, ordering) -%}
    {{ return(adapter.dispatch('arg_min')(value, ordering)) }}
{%- endmacro %}

{% macro duckdb__arg_min(value, ordering) -%}
    arg_min({{ value }}, {{ ordering }})
{%- endmacro %}

{% macro postgres__arg_min(value, ordering) -%}
    (array_agg({{ value }} order by {{ ordering }})
        filter (where {{ value }} is not null and {{ ordering }} is not null))[1]
{%- endmacro %}

{#- The median of a double: the mean of the two middle values when their count is even. -#}
{% macro median(expression) -%}
    {{ return(adapter.dispatch('median')(expression)) }}
{%- endmacro %}

{% macro duckdb__median(expression) -%}
    median({{ expression }})
{%- endmacro %}

{% macro postgres__median(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}

{#- `value` of the row with the largest `ordering` (rows where either is null are skipped). -#}
{% macro arg_max(value, ordering) -%}
    {{ return(adapter.dispatch('arg_max')(value, ordering)) }}
{%- endmacro %}

{% macro duckdb__arg_max(value, ordering) -%}
    arg_max({{ value }}, {{ ordering }})
{%- endmacro %}

{% macro postgres__arg_max(value, ordering) -%}
    (array_agg({{ value }} order by {{ ordering }} desc)
        filter (where {{ value }} is not null and {{ ordering }} is not null))[1]
{%- endmacro %}
