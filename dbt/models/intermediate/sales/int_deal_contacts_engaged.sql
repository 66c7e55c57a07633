{#- Every contact engaged on a deal by the end of the as-of date, one row per deal and contact:
    associated with the deal in the CRM, or in an activity (call, email, meeting) logged on the
    deal. Each carries its buying role, from its job title (seed buying_roles, matched without
    regard to case); a title the seed does not know has none. -#}
with

deals as (

    select * from {{ ref('int_deals_enriched') }}

),

deal_contacts as (

    select * from {{ ref('int_crm_deal_contacts_selected') }}

),

engagements as (

    select * from {{ ref('int_crm_engagements_selected') }}

),

contacts as (

    select * from {{ ref('int_crm_contacts_selected') }}

),

buying_roles as (

    select * from {{ ref('buying_roles') }}

),

touches as (

    select
        deal_id,
        contact_id,
        true as is_associated,
        0 as activities

    from deal_contacts

    union all

    select
        deal_id,
        contact_id,
        false as is_associated,
        1 as activities

    from engagements
    where
        deal_id is not null
        and contact_id is not null
        and not is_archived
        and occurred_at < {{ as_of_end_timestamp() }}

),

engaged as (

    select
        touches.deal_id,
        touches.contact_id,
        bool_or(touches.is_associated) as is_associated,
        sum(touches.activities) as activities

    from touches
    inner join deals
        on touches.deal_id = deals.deal_id
    group by touches.deal_id, touches.contact_id

),

final as (

    select
        engaged.deal_id || ':' || engaged.contact_id as deal_contact_id,
        engaged.deal_id,
        engaged.contact_id,
        contacts.job_title,
        buying_roles.buying_role,
        engaged.is_associated,
        engaged.activities

    from engaged
    inner join contacts
        on engaged.contact_id = contacts.contact_id
    left join buying_roles
        on lower(trim(contacts.job_title)) = lower(trim(buying_roles.job_title))
    where
        not contacts.is_archived
        and contacts.created_at < {{ as_of_end_timestamp() }}

)

select * from final
