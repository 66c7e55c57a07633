{#- The CRM's record owners (reps), whichever CRM the company runs (var crm_source). -#}
{%- if var('crm_source') == 'salesforce' %}

select * from {{ ref('stg_salesforce__users') }}
{%- else %}

select * from {{ ref('stg_crm__owners') }}
{%- endif %}
