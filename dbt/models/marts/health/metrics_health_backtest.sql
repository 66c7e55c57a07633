{#- Does the score mean something? For every scored account-week whose following
    health_backtest_horizon_days are fully observed by the as-of date: did the account churn
    within them? Rates by band; red should churn more than green. -#}
{%- set horizon = var('health_backtest_horizon_days') -%}

with

account_health as (

    select * from {{ ref('fct_account_health') }}

),

mrr as (

    select * from {{ ref('fct_mrr') }}

),

churns as (

    select
        company_id,
        churned_at

    from mrr
    where movement_type = 'churn'

),

-- A join, not a correlated `exists` in the select list: PostgreSQL runs such a subquery once per
-- account-week, scanning every churn each time (hours at 800k account-weeks); a join on the
-- company hashes once on both engines.
churned_weeks as (

    select distinct account_health.account_week_id

    from account_health
    inner join churns
        on
            account_health.company_id = churns.company_id
            and account_health.measured_before <= churns.churned_at
            and churns.churned_at < account_health.measured_before + interval '{{ horizon }} day'

),

observed_weeks as (

    select
        account_health.account_week_id,
        account_health.company_id,
        account_health.health_band,
        account_health.health_score,
        churned_weeks.account_week_id is not null as churned_within_horizon

    from account_health
    left join churned_weeks
        on account_health.account_week_id = churned_weeks.account_week_id
    where
        account_health.measured_before + interval '{{ horizon }} day'
        <= cast('{{ var("as_of_date") }}' as date) + interval '1 day'

),

bands as (

    select
        band_list.health_band,
        band_list.band_order

    from (values ('green', 1), ('yellow', 2), ('red', 3)) as band_list (health_band, band_order)

),

final as (

    select
        bands.health_band,
        bands.band_order,
        count(observed_weeks.account_week_id) as account_weeks,
        count(distinct observed_weeks.company_id) as accounts,  -- noqa: RF04
        -- Averaged as decimals: a sum of doubles depends on the order threads add them in, and
        -- a rerun of the same day must publish the same value.
        {{ round_double('cast(avg(cast(observed_weeks.health_score as decimal(9, 2))) as double)', 2) }}
            as average_health_score,
        count(case when observed_weeks.churned_within_horizon then 1 end) as churned_account_weeks,
        count(distinct case when observed_weeks.churned_within_horizon then observed_weeks.company_id end)
            as churned_accounts,
        cast(count(case when observed_weeks.churned_within_horizon then 1 end) as double)
        / nullif(count(observed_weeks.account_week_id), 0) as churn_rate

    from bands
    left join observed_weeks
        on bands.health_band = observed_weeks.health_band
    group by bands.health_band, bands.band_order

)

select * from final
