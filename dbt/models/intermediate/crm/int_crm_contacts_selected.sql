{#- The CRM's people, one row each, whichever CRM the company runs. In Salesforce a person is
    a lead until converted, then a contact: a converted lead is its contact (created when the
    lead was), an unconverted lead is itself, and a contact without a lead is itself. -#}
{%- if var('crm_source') == 'salesforce' %}

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
        contacts.* replace (coalesce(converted.created_at, contacts.created_at) as created_at)

    from contacts
    left join converted on contacts.contact_id = converted.contact_id

    union all

    select
        leads.* exclude (
            is_converted, converted_contact_id, converted_account_id, converted_opportunity_id,
            converted_date
        )

    from leads
    where not leads.is_converted

)

select * from people
{%- else %}

select * from {{ ref('stg_crm__contacts') }}
{%- endif %}
