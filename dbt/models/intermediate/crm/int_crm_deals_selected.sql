{#- The CRM's deals (Salesforce opportunities), whichever CRM the company runs. -#}
{%- if var('crm_source') == 'salesforce' %}

select * exclude (is_closed, is_won, crm_probability) from {{ ref('stg_salesforce__opportunities') }}
{%- else %}

select * from {{ ref('stg_crm__deals') }}
{%- endif %}
