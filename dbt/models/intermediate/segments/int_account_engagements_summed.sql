{#- Commercial effort spent on each account: CRM activities (calls, emails, meetings) per account
    and rep over the trailing segment_window_months months up to the as-of date. An activity
    logged against a contact only is attributed to the contact's company. -#}
with

engagements as (

    select * from {{ ref('int_crm_engagements_selected') }}

),

contacts as (

    select * from {{ ref('int_crm_contacts_selected') }}

),

owners as (

    select * from {{ ref('int_crm_owners_selected') }}

),

attributed as (

    select
        engagements.engagement_id,
        coalesce(engagements.company_id, contacts.company_id) as company_id,
        engagements.owner_id,
        owners.role as owner_role,
        engagements.engagement_type

    from engagements
    left join contacts
        on engagements.contact_id = contacts.contact_id
    left join owners
        on engagements.owner_id = owners.owner_id
    where
        engagements.occurred_at < {{ as_of_end_timestamp() }}
        and engagements.occurred_at >= {{ as_of_end_timestamp() }}
        - interval '{{ var('segment_window_months') }} month'

),

final as (

    select
        company_id || '|' || coalesce(owner_id, '') as account_owner_id,
        company_id,
        owner_id,
        {{ any_non_null('owner_role') }} as owner_role,
        count(*) as activities,
        count(case when engagement_type = 'CALL' then 1 end) as calls,
        count(case when engagement_type = 'EMAIL' then 1 end) as emails,
        count(case when engagement_type = 'MEETING' then 1 end) as meetings

    from attributed
    where company_id is not null
    group by company_id, owner_id

)

select * from final
