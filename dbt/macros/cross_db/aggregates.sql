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

{% macro spark__any_non_null(expression) -%}
    first({{ expression }}, true)
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

{% macro spark__arg_min(value, ordering) -%}
    min_by({{ value }}, {{ ordering }}) filter (where {{ value }} is not null and {{ ordering }} is not null)
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

{% macro spark__median(expression) -%}
    median({{ expression }})
{%- endmacro %}

{#- The text values of `expression` joined by `separator`: sorted, or distinct (in no set order);
    over the rows where `condition` holds; null when there is none. -#}
{% macro string_agg_sorted(expression, separator, condition=none, distinct=false) -%}
    {{ return(adapter.dispatch('string_agg_sorted')(expression, separator, condition, distinct)) }}
{%- endmacro %}

{% macro default__string_agg_sorted(expression, separator, condition, distinct) -%}
    string_agg(
        {{- 'distinct ' if distinct }}{{ expression }}, '{{ separator }}'
        {{- '' if distinct else ' order by ' ~ expression }})
    {{- ' filter (where ' ~ condition ~ ')' if condition }}
{%- endmacro %}

{#- Spark: a sorted array of the values (its string_agg orders only `within group`). -#}
{% macro spark__string_agg_sorted(expression, separator, condition, distinct) -%}
    nullif(array_join(array_sort(
        {{- 'collect_set' if distinct else 'collect_list' }}({{ expression }})
        {{- ' filter (where ' ~ condition ~ ')' if condition }}), '{{ separator }}'), '')
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

{% macro spark__arg_max(value, ordering) -%}
    max_by({{ value }}, {{ ordering }})
        filter (where {{ value }} is not null and {{ ordering }} is not null)
{%- endmacro %}
