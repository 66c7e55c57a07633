{#- One row per quota-carrying rep and calendar quarter, from the quarter of the first deal to the
    quarter of the as-of date, for the quarters the rep was on the team (hired by the quarter's
    last day). A rep with no deal in a quarter still has a row: quota attainment and the share of
    reps at quota must count the reps who sold nothing.

    The quota is the one in force for the rep and quarter (seed sales_quotas): the rep's own row
    with the latest `effective_quarter` up to the quarter, else their territory's (CRM team),
    else the CRM's current quarterly quota, whose history is not exported. -#}
with

owners as (

    select * from {{ ref('int_crm_owners_selected') }}

),

deals as (

    select * from {{ ref('int_deals_enriched') }}

),

quotas as (

    select * from {{ ref('sales_quotas') }}

),

quarters as (

    {{ quarter_starts('deals', 'created_at') }}

),

rep_quarters as (

    select
        owners.owner_id || ':' || quarters.quarter_start as rep_quarter_id,
        owners.owner_id,
        owners.full_name,
        owners.role,
        owners.team,
        quarters.quarter_start,
        owners.quarterly_quota_eur as crm_quota_eur

    from owners
    inner join quarters
        on
            owners.hired_date is null
            or owners.hired_date <= quarters.quarter_start + interval '3 month' - interval '1 day'
    where not owners.is_archived

),

-- The configured quota in force: a rep's own row before their territory's, the latest first.
configured_quotas as (

    select {{ distinct_on(['rep_quarters.rep_quarter_id']) }}
        rep_quarters.rep_quarter_id,
        quotas.quarterly_quota_eur,
        case when quotas.owner_id is not null then 'rep' else 'territory' end as quota_source

    from rep_quarters
    inner join quotas
        on
            (
                rep_quarters.owner_id = quotas.owner_id
                or (quotas.owner_id is null and rep_quarters.team = quotas.team)
            )
            and rep_quarters.quarter_start >= quotas.effective_quarter
    {{ distinct_on_order(
        ['rep_quarters.rep_quarter_id'],
        'rep_quarters.rep_quarter_id asc, quotas.owner_id is null asc, '
        ~ 'quotas.effective_quarter desc'
    ) }}

),

final as (

    select
        rep_quarters.rep_quarter_id,
        rep_quarters.owner_id,
        rep_quarters.full_name,
        rep_quarters.role,
        rep_quarters.team,
        rep_quarters.quarter_start,
        cast(rep_quarters.quarter_start + interval '3 month' - interval '1 day' as date) as quarter_end,
        coalesce(configured_quotas.quarterly_quota_eur, rep_quarters.crm_quota_eur) as quota_eur,
        coalesce(configured_quotas.quota_source, 'crm') as quota_source

    from rep_quarters
    left join configured_quotas
        on rep_quarters.rep_quarter_id = configured_quotas.rep_quarter_id
    where coalesce(configured_quotas.quarterly_quota_eur, rep_quarters.crm_quota_eur) is not null

)

select * from final
