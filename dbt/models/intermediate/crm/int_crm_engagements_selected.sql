{#- The CRM's activities (calls, emails, meetings), whichever CRM the company runs: Salesforce
    logs calls and emails as tasks, meetings as events. -#}
{%- if var('crm_source') == 'salesforce' %}

select * from {{ ref('stg_salesforce__tasks') }}
union all
select * from {{ ref('stg_salesforce__events') }}
{%- else %}

select * from {{ ref('stg_crm__engagements') }}
{%- endif %}
