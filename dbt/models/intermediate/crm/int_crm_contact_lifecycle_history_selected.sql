{#- Each lifecycle stage a person entered, whichever CRM the company runs. In Salesforce a
    converted lead's changes (LeadHistory) continue on its contact (ContactHistory): both are
    keyed by the contact, and a stage recorded on both (set again at conversion) counts once,
    at its first entry. -#}
{%- if var('crm_source') == 'salesforce' %}

with

leads as (

    select * from {{ ref('stg_salesforce__leads') }}

),

lead_changes as (

    select
        coalesce(leads.converted_contact_id, history.lead_id) as contact_id,
        history.lifecycle_stage,
        history.changed_at

    from {{ ref('stg_salesforce__lead_history') }} as history
    inner join leads on history.lead_id = leads.lead_id
    where not history.is_archived

),

contact_changes as (

    select
        contact_id,
        lifecycle_stage,
        changed_at

    from {{ ref('stg_salesforce__contact_history') }}
    where not is_archived

),

entries as (

    select * from lead_changes
    union all
    select * from contact_changes

),

first_entries as (

    select
        contact_id,
        lifecycle_stage,
        changed_at,
        cast(null as varchar) as source_type

    from entries
    qualify row_number() over (
        partition by contact_id, lifecycle_stage order by changed_at
    ) = 1

)

select * from first_entries
{%- else %}

select * from {{ ref('stg_crm__contact_lifecycle_history') }}
{%- endif %}
