{#- The final select of an incremental model with an enforced contract: every column of
    `relation` (a CTE) typed as the contract declares it, in the contract's order, when the run
    is incremental.

    An incremental run writes the new rows into a temporary table first and, under
    `on_schema_change: fail`, stops if its columns' types differ from the table's. The table was
    created by the contract; dbt-postgres creates the temporary table from the query alone, so a
    string reads `text` there and `character varying` in the table, a money amount `numeric`
    against `numeric(18,2)`. Cast to the contract's types, the two agree. A full build needs no
    cast: it inserts into the table the contract created, which casts each value the same way.
    DuckDB's incremental runs compare the two as they are: its select stays `select *`. -#}
{% macro select_contract_types(relation) -%}
    {{ return(adapter.dispatch('select_contract_types')(relation)) }}
{%- endmacro %}

{% macro duckdb__select_contract_types(relation) -%}
    select * from {{ relation }}
{%- endmacro %}

{#- Not in a unit test (its node holds no contract; it creates no table to compare with), nor
    while parsing, when the model's columns are not read yet (is_incremental() is false then). -#}
{% macro postgres__select_contract_types(relation) -%}
    {%- if not is_incremental() or model.resource_type != 'model' -%}
        {{ return('select * from ' ~ relation) }}
    {%- endif -%}
    {%- set columns = model.columns.values() | list -%}
    {%- if not columns or columns | rejectattr('data_type') | list -%}
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

{#- Spark builds these models as tables, whose contract casts every column to its declared type
    (spark__get_select_subquery, dbt/macros/spark/contracts.sql). -#}
{% macro spark__select_contract_types(relation) -%}
    select * from {{ relation }}
{%- endmacro %}
