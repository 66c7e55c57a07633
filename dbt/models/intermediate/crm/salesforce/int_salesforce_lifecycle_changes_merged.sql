{{ config(enabled=var('crm_source') == 'salesforce') }}

{#- Each lifecycle stage a Salesforce person entered. A converted lead's changes (LeadHistory)
    continue on its contact (ContactHistory): both are keyed by the contact, and a stage
    recorded on both (set again at conversion) counts once, at its first entry. History rows
    are deleted with their record, which carries the deletion (IsDeleted) downstream. -#}
with

leads as (

    select * from {{ ref('stg_salesforce__leads') }}

),

lead_history as (

    select * from {{ ref('stg_salesforce__lead_history') }}

),

contact_history as (

    select * from {{ ref('stg_salesforce__contact_history') }}

),

entries as (

    select
        coalesce(leads.converted_contact_id, lead_history.lead_id) as contact_id,
        lead_history.lifecycle_stage,
        lead_history.changed_at

    from lead_history
    inner join leads on lead_history.lead_id = leads.lead_id

    union all

    select
        contact_id,
        lifecycle_stage,
        changed_at

    from contact_history

),

first_entries as (

    select
        contact_id,
        lifecycle_stage,
        changed_at,
        cast(null as {{ type_text() }}) as source_type

    from entries
    qualify row_number() over (partition by contact_id, lifecycle_stage order by changed_at) = 1

)

select * from first_entries
