{#- The columns of a model that are never null, checked in one pass over it. Fails with one row
    per column that holds nulls, naming it, and counts the null values as the test's failures.

    One test per model rather than dbt's `not_null` on each column (docs/quality.md says why:
    a dbt node's own cost, whatever the data's size). A column whose check needs its own `where`
    or severity would keep a `not_null` of its own. -#}
{% test not_null_columns(model, columns) %}

{{ config(fail_calc='coalesce(sum(null_values), 0)') }}

with

counted as (

    select
        {%- for column in columns %}
        count(case when {{ column }} is null then 1 end) as nulls_{{ loop.index }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    from {{ model }}

)

{% for column in columns -%}
select
    '{{ column }}' as column_name,
    nulls_{{ loop.index }} as null_values
from counted
where nulls_{{ loop.index }} > 0
{% if not loop.last %}
union all
{% endif %}
{%- endfor %}

{% endtest %}
