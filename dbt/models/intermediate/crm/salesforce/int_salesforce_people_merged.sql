{{ config(enabled=var('crm_source') == 'salesforce') }}

{#- Salesforce's people, one row each. A person is a lead until converted, then a contact: a
    converted lead is its contact (created when the lead was), an unconverted lead is itself,
    and a contact without a lead is itself. -#}
with

contacts as (

    select * from {{ ref('stg_salesforce__contacts') }}

),

leads as (

    select * from {{ ref('stg_salesforce__leads') }}

),

-- The lead each contact was converted from (at most one is kept: the earliest).
converted as (

    select
        converted_contact_id as contact_id,
        created_at

    from leads
    where is_converted and not is_archived
    qualify row_number() over (partition by converted_contact_id order by created_at, lead_id) = 1

),

people as (

    select
        contacts.contact_id,
        coalesce(converted.created_at, contacts.created_at) as created_at,
        contacts.company_id,
        contacts.owner_id,
        contacts.email,
        contacts.first_name,
        contacts.last_name,
        contacts.job_title,
        contacts.source_channel,
        contacts.lifecycle_stage,
        contacts.bant_budget,
        contacts.bant_authority,
        contacts.bant_need,
        contacts.bant_timing,
        contacts.bant_qualified_at,
        contacts.bmanter_market,
        contacts.bmanter_reference,
        contacts.custom_properties,
        contacts.updated_at,
        contacts.is_archived,
        contacts.loaded_at

    from contacts
    left join converted on contacts.contact_id = converted.contact_id

    union all

    select
        leads.lead_id as contact_id,
        leads.created_at,
        leads.company_id,
        leads.owner_id,
        leads.email,
        leads.first_name,
        leads.last_name,
        leads.job_title,
        leads.source_channel,
        leads.lifecycle_stage,
        leads.bant_budget,
        leads.bant_authority,
        leads.bant_need,
        leads.bant_timing,
        leads.bant_qualified_at,
        leads.bmanter_market,
        leads.bmanter_reference,
        leads.custom_properties,
        leads.updated_at,
        leads.is_archived,
        leads.loaded_at

    from leads
    where not leads.is_converted

),

final as (

    select * from people

)

select * from final
