{#- Schemas are named for their layer (raw, staging, intermediate, marts, config), not prefixed with
    the target schema, so BI tools see stable names: marts.fct_mrr, not main_marts.fct_mrr.
    REVOPS_BUILD_SCHEMA_SUFFIX (set by dagster_project/postgres/build.py) builds beside the
    published schemas, `marts__build`, which publishing then swaps in at once. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}{{ env_var('REVOPS_BUILD_SCHEMA_SUFFIX', '') }}
{%- endmacro %}
