{#- Model contracts on Spark. Spark types arithmetic otherwise than DuckDB, whose types the
    contracts publish: a sum of decimal(18, 2) is decimal(28, 2) there (decimal(38, 2) on DuckDB),
    a sum or count of integers a bigint (DuckDB: hugeint, decimal(38, 0) here), a literal 0.25 a
    decimal(2, 2), a raw timestamp a timestamp_ntz. On Spark a contract therefore accepts a
    column whose type only differs that way, and the table is built with every column cast to
    its declared type, so the published types are the contract's on every engine. Any other
    difference (a name, a count, text for a number) still fails the build. -#}

{#- True when Spark's `found` type reaches the `declared` one by a cast that keeps every value:
    the same type, a decimal of the same scale (its precision is DuckDB's, which computed the
    same values in it), an integer into a decimal without scale, a timestamp without zone into
    one (the session is UTC). -#}
{% macro spark_contract_type_fits(found, declared) -%}
    {%- set found = found | lower | replace(' ', '') -%}
    {%- set declared = declared | lower | replace(' ', '') -%}
    {%- if found == declared -%}
        {{ return(true) }}
    {%- elif found.startswith('decimal(') and declared.startswith('decimal(') -%}
        {{ return(found[8:-1].split(',')[1] == declared[8:-1].split(',')[1]) }}
    {%- elif found in ('tinyint', 'smallint', 'int', 'bigint') and declared.startswith('decimal(') -%}
        {{ return(declared[8:-1].split(',')[1] == '0') }}
    {%- elif found == 'timestamp_ntz' and declared == 'timestamp' -%}
        {{ return(true) }}
    {%- endif -%}
    {{ return(false) }}
{%- endmacro %}

{% macro spark__get_assert_columns_equivalent(sql) -%}
    {%- set declared_columns = model['columns'] -%}
    {%- if not declared_columns -%}
        {{ exceptions.raise_contract_error([], []) }}
    {%- endif -%}
    {%- set sql_columns = format_columns(get_column_schema_from_query(sql)) -%}
    {%- set yaml_columns = format_columns(
        get_column_schema_from_query(get_empty_schema_sql(declared_columns))
    ) -%}
    {%- if sql_columns | length != yaml_columns | length -%}
        {%- do exceptions.raise_contract_error(yaml_columns, sql_columns) -%}
    {%- endif -%}
    {%- for sql_column in sql_columns -%}
        {%- set yaml_column = yaml_columns | selectattr('name', 'equalto', sql_column['name'])
            | list -%}
        {%- if not yaml_column
            or not spark_contract_type_fits(sql_column['data_type'], yaml_column[0]['data_type']) -%}
            {%- do exceptions.raise_contract_error(yaml_columns, sql_columns) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endmacro %}

{#- The model's rows with every column cast to its declared type, in the contract's order. -#}
{% macro spark__get_select_subquery(sql) -%}
    select
    {%- for column in model['columns'].values() %}
        cast({{ adapter.quote(column['name']) }} as {{ spark_type_name(column['data_type']) }})
            as {{ adapter.quote(column['name']) }}{{ ',' if not loop.last }}
    {%- endfor %}
    from (
        {{ sql }}
    ) as model_subq
{%- endmacro %}
