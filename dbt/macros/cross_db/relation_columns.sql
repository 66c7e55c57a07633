{#- The column names of a built relation as a subquery with one column, `column_name`: the
    catalog's information_schema where the engine has one. -#}
{% macro relation_columns(relation) -%}
    {{ return(adapter.dispatch('relation_columns')(relation)) }}
{%- endmacro %}

{% macro default__relation_columns(relation) -%}
    (
        select column_name
        from information_schema.columns
        where table_schema = '{{ relation.schema }}' and table_name = '{{ relation.identifier }}'
    )
{%- endmacro %}

{#- Spark's session catalog has no information_schema: the names dbt reads from the relation
    (describe) when the test runs, as a values list. -#}
{% macro spark__relation_columns(relation) -%}
    {%- set columns = adapter.get_columns_in_relation(relation) if execute else [] -%}
    {%- if columns -%}
        (
            select column_name from (values
                {%- for column in columns %}
                    ('{{ column.name }}'){{ ',' if not loop.last }}
                {%- endfor %}
            ) as listed (column_name)
        )
    {%- else -%}
        (select cast(null as string) as column_name where false)
    {%- endif -%}
{%- endmacro %}
