{#- Each stage a deal entered, whichever CRM the company runs. -#}
{%- if var('crm_source') == 'salesforce' %}

select
    deal_id,
    deal_stage,
    entered_at,
    cast(null as varchar) as source_type

from {{ ref('stg_salesforce__opportunity_history') }}
where not is_archived
{%- else %}

select * from {{ ref('stg_crm__deal_stage_history') }}
{%- endif %}
