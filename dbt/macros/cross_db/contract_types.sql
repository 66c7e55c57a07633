{#- The final select of an incremental model with an enforced contract: every column of
    `relation` (a CTE), in the contract's order, typed as the contract declares it.

    An incremental run writes the new rows into a temporary table first and, under
    `on_schema_change: fail`, stops if its columns' types differ from the table's. The table was
    created by the contract; dbt-postgres creates the temporary table from the query alone, so a
    string reads `text` there and `character varying` in the table, a money amount `numeric`
    against `numeric(18,2)`. Cast to the contract's types, the two agree. DuckDB's incremental
    runs compare them as they are: its select stays `select *`, as before. -#}
{% macro select_contract_types(relation) -%}
    {{ return(adapter.dispatch('select_contract_types')(relation)) }}
{%- endmacro %}

{% macro duckdb__select_contract_types(relation) -%}
    select * from {{ relation }}
{%- endmacro %}

{% macro postgres__select_contract_types(relation) -%}
    {%- set columns = model.columns.values() | list -%}
    {#- Parsing renders the model before its columns are read from the YAML. -#}
    {%- if not execute -%}
        {{ return('select * from ' ~ relation) }}
    {%- elif not columns or columns | rejectattr('data_type') | list -%}
        {{ exceptions.raise_compiler_error(
            'select_contract_types: ' ~ model.name ~ ' declares no data_type for some column'
        ) }}
    {%- endif %}
    select
        {%- for column in columns %}
        cast({{ adapter.quote(column.name) }} as {{ column.data_type }}) as {{ adapter.quote(column.name) }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    from {{ relation }}
{%- endmacro %}
