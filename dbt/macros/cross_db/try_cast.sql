{#- `expression` (text) cast to `data_type`, or null where it does not parse. PostgreSQL has no
    try_cast: it calls one function per base type, which on-run-start creates (prepare_target). -#}
{% macro try_cast(expression, data_type) -%}
    {{ return(adapter.dispatch('try_cast')(expression, data_type)) }}
{%- endmacro %}

{% macro duckdb__try_cast(expression, data_type) -%}
    try_cast({{ expression }} as {{ data_type }})
{%- endmacro %}

{% macro postgres__try_cast(expression, data_type) -%}
    {%- set base_type = data_type.split('(')[0] | trim | replace('decimal', 'numeric') -%}
    cast({{ target.schema }}.try_cast_{{ base_type }}({{ expression }}) as {{ data_type }})
{%- endmacro %}

{#- Spark has try_cast; its `timestamp` is the instant (read in the session's UTC). -#}
{% macro spark__try_cast(expression, data_type) -%}
    try_cast({{ expression }} as {{ data_type | replace('timestamptz', 'timestamp') }})
{%- endmacro %}

{#- What a target needs before any model runs (dbt_project.yml on-run-start). -#}
{% macro prepare_target() -%}
    {{ return(adapter.dispatch('prepare_target')()) }}
{%- endmacro %}

{#- DuckDB has every function and type name the project uses: no statement (dbt runs none). -#}
{% macro duckdb__prepare_target() -%}
{%- endmacro %}

{#- PostgreSQL: the try_cast functions, and DuckDB's names of two types the model contracts
    declare (`double`, `hugeint`) as domains over PostgreSQL's own, so one contract serves both
    engines (a domain's column reads as its base type). -#}
{% macro postgres__prepare_target() -%}
    {%- for base_type in ['bigint', 'numeric', 'date', 'timestamptz'] %}
    create or replace function {{ target.schema }}.try_cast_{{ base_type }}(value text)
    returns {{ base_type }} language plpgsql immutable as $$
    begin
        return value::{{ base_type }};
    exception when others then
        return null;
    end
    $$;
    {%- endfor %}
    do $$
    begin
        if to_regtype('{{ target.schema }}.double') is null then
            create domain {{ target.schema }}.double as double precision;
        end if;
        if to_regtype('{{ target.schema }}.hugeint') is null then
            create domain {{ target.schema }}.hugeint as numeric(38, 0);
        end if;
    end
    $$;
{%- endmacro %}

{#- Spark: nothing; the raw tables are registered before a build (register_raw_tables). -#}
{% macro spark__prepare_target() -%}
{%- endmacro %}
