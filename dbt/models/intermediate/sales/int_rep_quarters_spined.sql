{#- One row per quota-carrying rep and calendar quarter, from the quarter of the first deal to the
    quarter of the as-of date, for the quarters the rep was on the team (hired by the quarter's
    last day). A rep with no deal in a quarter still has a row: quota attainment and the share of
    reps at quota must count the reps who sold nothing. The quota is the CRM's current quarterly
    quota; its history is not exported. -#}
with

owners as (

    select * from {{ ref('int_crm_owners_selected') }}

),

deals as (

    select * from {{ ref('int_deals_enriched') }}

),

quarters as (

    {{ quarter_starts('deals', 'created_at') }}

),

final as (

    select
        owners.owner_id || ':' || quarters.quarter_start as rep_quarter_id,
        owners.owner_id,
        owners.full_name,
        owners.role,
        owners.team,
        quarters.quarter_start,
        cast(quarters.quarter_start + interval '3 month' - interval '1 day' as date) as quarter_end,
        owners.quarterly_quota_eur as quota_eur

    from owners
    inner join quarters
        on
            owners.hired_date is null
            or owners.hired_date <= quarters.quarter_start + interval '3 month' - interval '1 day'
    where
        owners.quarterly_quota_eur is not null
        and not owners.is_archived

)

select * from final
