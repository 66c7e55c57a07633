{#- SDR activities on leads (calls, emails, meetings logged by an owner whose role is SDR) up to
    the as-of date: the touches that lead response time is measured to. -#}
with

engagements as (

    select * from {{ ref('int_crm_engagements_selected') }}

),

owners as (

    select * from {{ ref('int_crm_owners_selected') }}

),

final as (

    select
        engagements.engagement_id,
        engagements.contact_id as lead_id,
        engagements.owner_id,
        engagements.engagement_type,
        engagements.occurred_at

    from engagements
    inner join owners
        on engagements.owner_id = owners.owner_id
    where
        owners.role = 'SDR'
        and engagements.contact_id is not null
        and not engagements.is_archived
        and engagements.occurred_at < {{ as_of_end_timestamp() }}

)

select * from final
