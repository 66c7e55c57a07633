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

{#- Spark: the contracts' column types (DuckDB's names, dbt/models/marts/*/_*__models.yml) in
    Spark's words, where dbt reads the declared schema (`cast(null as <type>)`). -#}
{% macro spark__get_empty_schema_sql(columns) -%}
    {%- set spark_names = {'varchar': 'string', 'hugeint': 'decimal(38, 0)', 'integer': 'int'} -%}
    {%- set cols = [] -%}
    {%- for name, column in columns.items() -%}
        {%- do cols.append(
            'cast(null as ' ~ spark_names.get(column['data_type'], column['data_type']) ~ ') as '
            ~ adapter.quote(name)
        ) -%}
    {%- endfor -%}
    select {{ cols | join(', ') }}
{%- endmacro %}
