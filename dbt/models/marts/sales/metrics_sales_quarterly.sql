{#- Sales performance by calendar quarter, at four grains told apart by the `grain` column:
    `total` (grain_value 'all'), `rep` (the deal owner's id), `segment` (company size segment)
    and `stage` (a pipeline stage: stage-to-stage conversion and time in stage). One table with a
    grain column rather than four marts, so a dashboard filters one relation; columns that do not
    apply to a grain are null there (quota has no segment, stage conversion is only on `stage`).

    Periods: won/lost deals count in the quarter they closed; the opening pipeline, the weighted
    forecast and coverage come from the last weekly snapshot before the quarter's first day
    (forecast accuracy compares what the pipeline promised when the quarter began with what was
    won by its end). -#}
{%- set grains = {'total': "'all'", 'rep': 'owner_id', 'segment': 'segment'} %}
with

opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

snapshots as (

    select * from {{ ref('fct_pipeline_snapshots') }}

),

stage_quarters as (

    select * from {{ ref('int_stage_quarters_summarized') }}

),

rep_quarters as (

    select * from {{ ref('int_rep_quarters_spined') }}

),

segments as (

    select * from {{ ref('sales_segments') }}

),

quarter_starts as (

    {{ quarter_starts('opportunities', 'created_at') }}

),

quarters as (

    select
        quarter_start,
        cast(quarter_start + interval '3 month' - interval '1 day' as date) as quarter_end

    from quarter_starts

),

snapshot_dates as (

    select distinct snapshot_date from snapshots

),

-- The snapshot that opens a quarter: the last week end before its first day (at most 7 days
-- before; a quarter that starts before the first snapshot has none).
opening_snapshots as (

    select
        quarters.quarter_start,
        max(snapshot_dates.snapshot_date) as snapshot_date

    from quarters
    inner join snapshot_dates
        on
            quarters.quarter_start > snapshot_dates.snapshot_date
            and snapshot_dates.snapshot_date >= quarters.quarter_start - interval '7 day'
    group by quarters.quarter_start

),

closed_deals as (

    select
        closed_quarter as quarter_start,
        owner_id,
        segment,
        is_won,
        amount_eur,
        sales_cycle_days

    from opportunities
    where is_closed

),

opening_pipeline as (

    select
        opening_snapshots.quarter_start,
        opening_snapshots.snapshot_date,
        snapshots.owner_id,
        snapshots.segment,
        snapshots.is_qualified,
        snapshots.close_quarter = opening_snapshots.quarter_start as is_closing_in_quarter,
        snapshots.amount_eur,
        snapshots.weighted_amount_eur

    from opening_snapshots
    inner join snapshots
        on opening_snapshots.snapshot_date = snapshots.snapshot_date

),

closed_by_grain as (

    {%- for grain, column in grains.items() %}
        select
            quarter_start,
            '{{ grain }}' as grain,
            coalesce({{ column }}, 'unknown') as grain_value,
            count(*) filter (where is_won) as deals_won,
            count(*) filter (where not is_won) as deals_lost,
            coalesce(sum(amount_eur) filter (where is_won), 0) as won_amount_eur,
            coalesce(sum(amount_eur) filter (where not is_won), 0) as lost_amount_eur,
            {{ median('sales_cycle_days') }} as median_sales_cycle_days,
            cast(avg(sales_cycle_days) as double) as mean_sales_cycle_days

        from closed_deals
        group by quarter_start, grain_value
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

opening_by_grain as (

    {%- for grain, column in grains.items() %}
        select
            quarter_start,
            '{{ grain }}' as grain,
            coalesce({{ column }}, 'unknown') as grain_value,
            {{ any_non_null('snapshot_date') }} as opening_snapshot_date,
            sum(amount_eur) as open_pipeline_eur,
            coalesce(sum(amount_eur) filter (where is_closing_in_quarter), 0)
                as open_pipeline_closing_in_quarter_eur,
            coalesce(sum(weighted_amount_eur) filter (where is_closing_in_quarter), 0)
                as weighted_forecast_eur,
            count(*) filter (where is_qualified) as open_qualified_deals

        from opening_pipeline
        group by quarter_start, grain_value
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

-- Each quota-carrying rep's quarter, with what they won: the base of attainment.
rep_attainment as (

    select
        rep_quarters.quarter_start,
        rep_quarters.owner_id,
        rep_quarters.quota_eur,
        coalesce(closed_by_grain.won_amount_eur, 0) as won_amount_eur,
        cast(coalesce(closed_by_grain.won_amount_eur, 0) as double) / rep_quarters.quota_eur
            as quota_attainment

    from rep_quarters
    left join closed_by_grain
        on
            rep_quarters.quarter_start = closed_by_grain.quarter_start
            and closed_by_grain.grain = 'rep'
            and rep_quarters.owner_id = closed_by_grain.grain_value

),

quota_by_grain as (

    select
        quarter_start,
        'total' as grain,
        'all' as grain_value,
        sum(quota_eur) as quota_eur,
        count(*) as reps_with_quota,
        count(*) filter (where quota_attainment >= 1) as reps_at_quota

    from rep_attainment
    group by quarter_start

    union all

    select
        quarter_start,
        'rep' as grain,
        owner_id as grain_value,
        quota_eur,
        1 as reps_with_quota,
        case when quota_attainment >= 1 then 1 else 0 end as reps_at_quota

    from rep_attainment

),

-- Every (quarter, grain, value) that has anything to report: all quarters in total, every
-- segment of the seed, every quota-carrying rep, and any other owner or value with deals.
performance_spine as (

    select
        quarter_start,
        'total' as grain,
        'all' as grain_value
    from quarters

    union

    select
        quarters.quarter_start,
        'segment' as grain,
        segments.segment as grain_value
    from quarters
    cross join segments

    union

    select
        quarter_start,
        grain,
        grain_value
    from quota_by_grain

    union

    select
        quarter_start,
        grain,
        grain_value
    from closed_by_grain

    union

    select
        quarter_start,
        grain,
        grain_value
    from opening_by_grain

),

performance as (

    select
        performance_spine.quarter_start,
        performance_spine.grain,
        performance_spine.grain_value,
        coalesce(closed_by_grain.deals_won, 0) as deals_won,
        coalesce(closed_by_grain.deals_lost, 0) as deals_lost,
        coalesce(closed_by_grain.won_amount_eur, 0) as won_amount_eur,
        coalesce(closed_by_grain.lost_amount_eur, 0) as lost_amount_eur,
        closed_by_grain.median_sales_cycle_days,
        closed_by_grain.mean_sales_cycle_days,
        opening_snapshots.snapshot_date as opening_snapshot_date,
        case
            when opening_snapshots.snapshot_date is not null
                then coalesce(opening_by_grain.open_pipeline_eur, 0)
        end as open_pipeline_eur,
        case
            when opening_snapshots.snapshot_date is not null
                then coalesce(opening_by_grain.open_pipeline_closing_in_quarter_eur, 0)
        end as open_pipeline_closing_in_quarter_eur,
        case
            when opening_snapshots.snapshot_date is not null
                then coalesce(opening_by_grain.weighted_forecast_eur, 0)
        end as weighted_forecast_eur,
        case
            when opening_snapshots.snapshot_date is not null
                then coalesce(opening_by_grain.open_qualified_deals, 0)
        end as open_qualified_deals,
        quota_by_grain.quota_eur,
        quota_by_grain.reps_with_quota,
        quota_by_grain.reps_at_quota

    from performance_spine
    left join closed_by_grain
        on
            performance_spine.quarter_start = closed_by_grain.quarter_start
            and performance_spine.grain = closed_by_grain.grain
            and performance_spine.grain_value = closed_by_grain.grain_value
    left join opening_by_grain
        on
            performance_spine.quarter_start = opening_by_grain.quarter_start
            and performance_spine.grain = opening_by_grain.grain
            and performance_spine.grain_value = opening_by_grain.grain_value
    left join opening_snapshots
        on performance_spine.quarter_start = opening_snapshots.quarter_start
    left join quota_by_grain
        on
            performance_spine.quarter_start = quota_by_grain.quarter_start
            and performance_spine.grain = quota_by_grain.grain
            and performance_spine.grain_value = quota_by_grain.grain_value

),

performance_rates as (

    select
        *,
        cast(deals_won as double) / nullif(deals_won + deals_lost, 0) as win_rate,
        cast(won_amount_eur as double) / nullif(won_amount_eur + lost_amount_eur, 0) as win_rate_amount,
        cast(won_amount_eur as double) / nullif(deals_won, 0) as average_deal_size_eur

    from performance

),

performance_metrics as (

    select
        *,
        cast(open_pipeline_closing_in_quarter_eur as double) / nullif(quota_eur, 0) as pipeline_coverage,
        -- greatest() skips nulls in DuckDB: without the guard a quarter with nothing won (ratio
        -- undefined) or without an opening snapshot would read as 0% accurate, not unknown.
        case
            when won_amount_eur > 0 and weighted_forecast_eur is not null
                then greatest(
                    0, 1 - cast(abs(weighted_forecast_eur - won_amount_eur) as double) / won_amount_eur
                )
        end as forecast_accuracy,
        open_qualified_deals * average_deal_size_eur * win_rate
        / nullif(mean_sales_cycle_days, 0) as pipeline_velocity_eur_per_day,
        cast(won_amount_eur as double) / nullif(quota_eur, 0) as quota_attainment,
        cast(reps_at_quota as double) / nullif(reps_with_quota, 0) as share_reps_at_quota,
        cast(won_amount_eur as double) / nullif(reps_with_quota, 0) as revenue_per_rep_eur

    from performance_rates

),

-- The stage grain: conversion to the next stage and time in stage (int_stage_quarters_summarized).
stage_metrics as (

    select
        quarter_start,
        'stage' as grain,
        stage as grain_value,
        stage_order,
        next_stage,
        deals_reached_stage,
        deals_reached_next_stage,
        stage_conversion_rate,
        median_days_in_stage,
        mean_days_in_stage

    from stage_quarters

),

unioned as (

    -- Each grain leaves the other's columns empty.
    select
        quarter_start,
        grain,
        grain_value,
        deals_won,
        deals_lost,
        win_rate,
        won_amount_eur,
        lost_amount_eur,
        win_rate_amount,
        average_deal_size_eur,
        median_sales_cycle_days,
        mean_sales_cycle_days,
        opening_snapshot_date,
        open_pipeline_eur,
        open_pipeline_closing_in_quarter_eur,
        open_qualified_deals,
        weighted_forecast_eur,
        forecast_accuracy,
        quota_eur,
        pipeline_coverage,
        pipeline_velocity_eur_per_day,
        quota_attainment,
        reps_with_quota,
        reps_at_quota,
        share_reps_at_quota,
        revenue_per_rep_eur,
        null as stage_order,
        null as next_stage,
        null as deals_reached_stage,
        null as deals_reached_next_stage,
        null as stage_conversion_rate,
        null as median_days_in_stage,
        null as mean_days_in_stage
    from performance_metrics

    union all

    select
        quarter_start,
        grain,
        grain_value,
        null as deals_won,
        null as deals_lost,
        null as win_rate,
        null as won_amount_eur,
        null as lost_amount_eur,
        null as win_rate_amount,
        null as average_deal_size_eur,
        null as median_sales_cycle_days,
        null as mean_sales_cycle_days,
        null as opening_snapshot_date,
        null as open_pipeline_eur,
        null as open_pipeline_closing_in_quarter_eur,
        null as open_qualified_deals,
        null as weighted_forecast_eur,
        null as forecast_accuracy,
        null as quota_eur,
        null as pipeline_coverage,
        null as pipeline_velocity_eur_per_day,
        null as quota_attainment,
        null as reps_with_quota,
        null as reps_at_quota,
        null as share_reps_at_quota,
        null as revenue_per_rep_eur,
        stage_order,
        next_stage,
        deals_reached_stage,
        deals_reached_next_stage,
        stage_conversion_rate,
        median_days_in_stage,
        mean_days_in_stage
    from stage_metrics

),

final as (

    select
        unioned.quarter_start || ':' || unioned.grain || ':' || unioned.grain_value
            as sales_quarter_grain_id,
        unioned.quarter_start,
        quarters.quarter_end,
        quarters.quarter_end <= cast('{{ var("as_of_date") }}' as date) as is_complete_quarter,
        unioned.grain,
        unioned.grain_value,
        unioned.deals_won,
        unioned.deals_lost,
        unioned.win_rate,
        unioned.won_amount_eur,
        unioned.lost_amount_eur,
        unioned.win_rate_amount,
        unioned.average_deal_size_eur,
        unioned.median_sales_cycle_days,
        unioned.mean_sales_cycle_days,
        unioned.opening_snapshot_date,
        unioned.open_pipeline_eur,
        unioned.open_pipeline_closing_in_quarter_eur,
        unioned.open_qualified_deals,
        unioned.weighted_forecast_eur,
        unioned.forecast_accuracy,
        unioned.quota_eur,
        unioned.pipeline_coverage,
        unioned.pipeline_velocity_eur_per_day,
        unioned.quota_attainment,
        unioned.reps_with_quota,
        unioned.reps_at_quota,
        unioned.share_reps_at_quota,
        unioned.revenue_per_rep_eur,
        unioned.stage_order,
        unioned.next_stage,
        unioned.deals_reached_stage,
        unioned.deals_reached_next_stage,
        unioned.stage_conversion_rate,
        unioned.median_days_in_stage,
        unioned.mean_days_in_stage

    from unioned
    inner join quarters
        on unioned.quarter_start = quarters.quarter_start

)

select * from final
