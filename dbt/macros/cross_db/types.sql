{#- Type names the models cast to that Spark spells otherwise: text is `string` (its varchar needs
    a length), and DuckDB's hugeint (the type of a sum of integers, which contracts publish) is
    a decimal(38, 0) there, as on PostgreSQL (a domain, prepare_target). -#}
{% macro type_text() -%}
    {{ return(adapter.dispatch('type_text')()) }}
{%- endmacro %}

{% macro default__type_text() -%}
    varchar
{%- endmacro %}

{% macro spark__type_text() -%}
    string
{%- endmacro %}

{% macro type_hugeint() -%}
    {{ return(adapter.dispatch('type_hugeint')()) }}
{%- endmacro %}

{% macro default__type_hugeint() -%}
    hugeint
{%- endmacro %}

{% macro spark__type_hugeint() -%}
    decimal(38, 0)
{%- endmacro %}

{#- A type name of the project's YAML (DuckDB's: contracts, seeds' column_types) in Spark's. -#}
{% macro spark_type_name(name) -%}
    {{ return({'varchar': 'string', 'hugeint': 'decimal(38, 0)'}.get(name, name)) }}
{%- endmacro %}

{#- Spark: the contracts' column types in Spark's words, where dbt reads the declared schema
    (`cast(null as <type>)`). -#}
{% macro spark__get_empty_schema_sql(columns) -%}
    {%- set cols = [] -%}
    {%- for name, column in columns.items() -%}
        {%- do cols.append(
            'cast(null as ' ~ spark_type_name(column['data_type']) ~ ') as ' ~ adapter.quote(name)
        ) -%}
    {%- endfor -%}
    select {{ cols | join(', ') }}
{%- endmacro %}

{#- Spark: dbt-spark's seed table (its spark__create_csv_table) with the seeds' column_types in
    Spark's words. They are translated in the seed's config, which dbt-spark's inserts read next
    (spark__load_csv_rows casts every value to its column's type). -#}
{% macro spark__create_csv_table(model, agate_table) -%}
    {%- set column_types = model['config'].get('column_types', {}) -%}
    {%- for name, type in column_types.items() -%}
        {%- do column_types.update({name: spark_type_name(type)}) -%}
    {%- endfor -%}
    {%- set quote_seed_column = model['config'].get('quote_columns', None) -%}
    {%- set sql -%}
        create table {{ this.render() }} (
        {%- for col_name in agate_table.column_names -%}
            {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
            {{ adapter.quote_seed_column(col_name | string, quote_seed_column) }}
            {{ column_types.get(col_name, inferred_type) }}{{ ', ' if not loop.last }}
        {%- endfor -%}
        )
        {{ file_format_clause() }}
    {%- endset -%}
    {%- call statement('_') -%}
        {{ sql }}
    {%- endcall -%}
    {{ return(sql) }}
{%- endmacro %}
