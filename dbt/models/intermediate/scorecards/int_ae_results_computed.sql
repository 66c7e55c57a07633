{#- The AE results of each rep and period, from the deals they own (fct_opportunities) and, for
    the quarter-only results, from the rep grain of metrics_sales_quarterly, so a scorecard and
    the sales marts never disagree.

    - bookings_eur: EUR amount of the deals won in the period (closed won on a day of it);
    - quota_attainment: bookings over the rep's quota for the period (a month carries a third of
      the quarterly quota); none for a rep without quota;
    - win_rate: won / (won + lost) among the rep's deals closed in the period;
    - median_sales_cycle_days: median days from creation to win of the deals won in the period;
    - stage_conversion_rate: of the rep's deals closed in the period that reached the stage
      `scorecard_conversion_stage`, the share that reached the next pipeline stage (as the stage
      grain of metrics_sales_quarterly counts it: a skipped stage was passed through);
    - pipeline_coverage and pipeline_velocity_eur_per_day: quarters only, as the quarterly sales
      metrics define them (the pipeline open when the quarter began). -#}
with

reps as (

    select * from {{ ref('int_rep_periods_spined') }}
    where role = 'AE'

),

opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

conversion_stage as (

    select
        stage_order,
        lead(stage_order) over (order by stage_order) as next_stage_order,
        stage

    from {{ ref('pipeline_stages') }}
    where not is_closed or is_won

),

sales_quarterly as (

    select * from {{ ref('metrics_sales_quarterly') }}
    where grain = 'rep'

),

closed as (

    select
        reps.rep_period_id,
        count(*) filter (where opportunities.is_won) as deals_won,
        count(opportunities.deal_id) as deals_closed,
        coalesce(sum(opportunities.amount_eur) filter (where opportunities.is_won), 0)
            as bookings_eur,
        {{ median('opportunities.sales_cycle_days') }} filter (where opportunities.is_won)
            as median_sales_cycle_days,
        count(*) filter (
            where opportunities.highest_stage_order >= conversion_stage.stage_order
        ) as deals_reached_stage,
        count(*) filter (
            where opportunities.highest_stage_order >= conversion_stage.next_stage_order
        ) as deals_reached_next_stage

    from reps
    cross join conversion_stage
    left join opportunities
        on
            reps.owner_id = opportunities.owner_id
            and opportunities.is_closed
            and reps.period_start <= opportunities.closed_at
            and opportunities.closed_at < reps.period_end + interval '1 day'
    where conversion_stage.stage = '{{ var("scorecard_conversion_stage") }}'
    group by reps.rep_period_id

),

measured as (

    select
        reps.rep_period_id,
        reps.period_grain,
        closed.deals_won,
        closed.deals_closed,
        closed.bookings_eur,
        closed.median_sales_cycle_days,
        closed.deals_reached_stage,
        closed.deals_reached_next_stage,
        case
            when reps.period_grain = 'quarter' then reps.quarterly_quota_eur
            -- a double, as DuckDB divides a decimal (Spark would keep six decimal places)
            else cast(reps.quarterly_quota_eur as double) / 3
        end as period_quota_eur,
        sales_quarterly.pipeline_coverage,
        sales_quarterly.pipeline_velocity_eur_per_day

    from reps
    inner join closed
        on reps.rep_period_id = closed.rep_period_id
    left join sales_quarterly
        on
            reps.period_grain = 'quarter'
            and reps.period_start = sales_quarterly.quarter_start
            and reps.owner_id = sales_quarterly.grain_value

),

results as (

    select
        rep_period_id,
        'bookings_eur' as result,
        cast(bookings_eur as double) as actual,
        deals_won as sample_size

    from measured

    union all

    select
        rep_period_id,
        'quota_attainment' as result,
        cast(bookings_eur as double) / nullif(period_quota_eur, 0) as actual,
        deals_won as sample_size

    from measured

    union all

    select
        rep_period_id,
        'win_rate' as result,
        cast(deals_won as double) / nullif(deals_closed, 0) as actual,
        deals_closed as sample_size

    from measured

    union all

    select
        rep_period_id,
        'median_sales_cycle_days' as result,
        cast(median_sales_cycle_days as double) as actual,
        deals_won as sample_size

    from measured

    union all

    select
        rep_period_id,
        'stage_conversion_rate' as result,
        cast(deals_reached_next_stage as double) / nullif(deals_reached_stage, 0) as actual,
        deals_reached_stage as sample_size

    from measured

    union all

    select
        rep_period_id,
        'pipeline_coverage' as result,
        cast(pipeline_coverage as double) as actual,
        null as sample_size

    from measured
    where period_grain = 'quarter'

    union all

    select
        rep_period_id,
        'pipeline_velocity_eur_per_day' as result,
        cast(pipeline_velocity_eur_per_day as double) as actual,
        null as sample_size

    from measured
    where period_grain = 'quarter'

),

final as (

    select
        rep_period_id || '|' || result as rep_period_result_id,
        rep_period_id,
        result,
        actual,
        sample_size

    from results

)

select * from final
