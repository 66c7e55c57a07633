{#- The CRM's companies (Salesforce accounts), whichever CRM the company runs. -#}
{%- if var('crm_source') == 'salesforce' %}

select * from {{ ref('stg_salesforce__accounts') }}
{%- else %}

select * from {{ ref('stg_crm__companies') }}
{%- endif %}
