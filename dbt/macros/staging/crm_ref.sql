{#- The staging model of the company's CRM (the var `crm_source`): the intermediate CRM layer reads
    the CRM through this, so only one CRM's staging is in the lineage of the marts. -#}
{% macro crm_ref(hubspot_model, salesforce_model) -%}
    {%- if var('crm_source') == 'salesforce' -%}
        {{ ref(salesforce_model) }}
    {%- else -%}
        {{ ref(hubspot_model) }}
    {%- endif -%}
{%- endmacro %}
