{#- Spark: the raw Parquet folders (dagster_project/spark/raw_handover.py) as the tables of schema
    raw that the dbt sources name. Run before a build, with the relations handed over:
    `dbt run-operation register_raw_tables --args '{raw_dir: ..., tables: [...],
    partitioned: [...]}'`. Each table is registered again, so a new handover's columns and
    landing days are the ones read; dropping a table over a location leaves its files. -#}
{% macro register_raw_tables(raw_dir, tables, partitioned) -%}
    {%- if target.type != 'spark' -%}
        {{ exceptions.raise_compiler_error('register_raw_tables is for the spark target') }}
    {%- endif -%}
    {%- do run_query('create database if not exists raw') -%}
    {%- for table in tables -%}
        {%- do run_query('drop table if exists raw.' ~ table) -%}
        {%- do run_query(
            'create table raw.' ~ table ~ " using parquet location '" ~ raw_dir ~ '/' ~ table ~ "'"
        ) -%}
        {%- if table in partitioned -%}
            {%- do run_query('msck repair table raw.' ~ table) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ log('registered ' ~ tables | length ~ ' raw tables from ' ~ raw_dir, info=true) }}
{%- endmacro %}
