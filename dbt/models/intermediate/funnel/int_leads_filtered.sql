{#- The leads: every CRM contact that exists by the end of the as-of date and is not archived
    (HubSpot archives deleted records). Channel is the contact's original traffic source,
    lower-cased (organic_search, paid_search, ...); `unknown` when the CRM has none. -#}
with

contacts as (

    select * from {{ ref('int_crm_contacts_selected') }}

),

final as (

    select
        contact_id as lead_id,
        company_id,
        owner_id,
        job_title,
        coalesce(lower(source_channel), 'unknown') as channel,
        created_at

    from contacts
    where
        not is_archived
        and created_at < {{ as_of_end_timestamp() }}

)

select * from final
