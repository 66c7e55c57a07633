{#- Schemas are named for their layer (raw, staging, intermediate, marts, config), not prefixed with
    the target schema, so BI tools see stable names: marts.fct_mrr, not main_marts.fct_mrr. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}
