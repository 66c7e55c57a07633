{#- dbt's unit tests on PostgreSQL compare the rows' text, and a numeric there carries the scale
    its computation left (100.00) where the expected row's has the fixture's (100); DuckDB's
    decimals have the column's scale on both sides. Every numeric column of the comparison is
    read without trailing zeros on both sides (trim_scale), so equal numbers compare equal. -#}
{% macro postgres__get_unit_test_sql(main_sql, expected_fixture_sql, expected_column_names) -%}
    {%- set compared = dbt.default__get_unit_test_sql(
        main_sql, expected_fixture_sql, expected_column_names
    ) -%}
    {%- set columns = get_column_schema_from_query(compared) -%}
    select
        {%- for column in columns %}
        {%- set name = adapter.quote(column.name) %}
        {{ 'trim_scale(' ~ name ~ ') as ' ~ name if column.dtype == 'DECIMAL' else name }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    from ({{ compared }}) as compared_rows
{%- endmacro %}
