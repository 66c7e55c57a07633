{#- One row per rep of a scorecard role (the roles of `scorecard_results`) and period, months and
    quarters, from the period of the first lead to the period of the as-of date, for the periods
    the rep was on the team (hired by the period's last day). A rep with nothing to show in a
    period still has a row: a scorecard counts the reps who delivered nothing. A quota carrier's
    quota is the one in force in the period's quarter (int_rep_quarters_spined). -#}
{%- set roles = "'" ~ (var('scorecard_results').keys() | join("', '")) ~ "'" %}
with

owners as (

    select * from {{ ref('int_crm_owners_selected') }}

),

leads as (

    select * from {{ ref('int_leads_filtered') }}

),

rep_quarters as (

    select * from {{ ref('int_rep_quarters_spined') }}

),

months as (

    {{ month_starts('leads', 'created_at') }}

),

periods as (

    select
        'month' as period_grain,
        month_start as period_start,
        cast(month_start + interval '1 month' - interval '1 day' as date) as period_end

    from months

    union all

    select distinct
        'quarter' as period_grain,
        cast(date_trunc('quarter', month_start) as date) as period_start,
        cast(date_trunc('quarter', month_start) + interval '3 month' - interval '1 day' as date)
            as period_end

    from months

),

final as (

    select
        owners.owner_id || '|' || periods.period_grain || '|' || periods.period_start
            as rep_period_id,
        owners.owner_id,
        owners.full_name,
        owners.role,
        owners.team,
        periods.period_grain,
        periods.period_start,
        periods.period_end,
        coalesce(rep_quarters.quota_eur, owners.quarterly_quota_eur) as quarterly_quota_eur

    from owners
    inner join periods
        on owners.hired_date is null or owners.hired_date <= periods.period_end
    left join rep_quarters
        on
            owners.owner_id = rep_quarters.owner_id
            and date_trunc('quarter', periods.period_start) = rep_quarters.quarter_start
    where
        not owners.is_archived
        and owners.role in ({{ roles }})

)

select * from final
