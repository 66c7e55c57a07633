{#- The stage grain of the quarterly sales metrics: for the deals closed in each quarter, how many
    reached each pipeline stage and the next one, and how long completed stays in the stage
    lasted. A deal that skipped a stage passed through it: reaching a stage means reaching it or
    any later one, so each stage's count contains the next one's and rates stay in [0, 1].
    Closed lost is an exit, not a stage to reach. -#}
with

deals as (

    select * from {{ ref('int_deals_enriched') }}

),

stage_entries as (

    select * from {{ ref('int_deal_stages_sequenced') }}

),

stages as (

    select * from {{ ref('pipeline_stages') }}

),

closed_deals as (

    select
        deal_id,
        highest_stage_order,
        cast(date_trunc('quarter', closed_at) as date) as closed_quarter

    from deals
    where is_closed

),

progression_stages as (

    select
        stage,
        stage_order,
        lead(stage) over (order by stage_order) as next_stage,
        lead(stage_order) over (order by stage_order) as next_stage_order

    from stages
    where not is_closed or is_won

),

stage_conversion as (

    select
        closed_deals.closed_quarter as quarter_start,
        progression_stages.stage,
        {{ any_non_null('progression_stages.stage_order') }} as stage_order,
        {{ any_non_null('progression_stages.next_stage') }} as next_stage,
        count(*) filter (where closed_deals.highest_stage_order >= progression_stages.stage_order)
            as deals_reached_stage,
        count(*) filter (
            where closed_deals.highest_stage_order >= progression_stages.next_stage_order
        ) as deals_reached_next_stage

    from closed_deals
    cross join progression_stages
    where progression_stages.next_stage_order is not null
    group by closed_deals.closed_quarter, progression_stages.stage

),

-- Time in stage: completed stays (the deal moved on) of the deals closed in the quarter.
stage_durations as (

    select
        closed_deals.closed_quarter as quarter_start,
        stage_entries.stage,
        {{ median('stage_entries.days_in_stage') }} as median_days_in_stage,
        -- Averaged over whole seconds: an integer sum is exact, where a sum of doubles depends on
        -- the order threads add them in (reruns would differ in the last bits).
        cast(avg(cast(round(stage_entries.days_in_stage * 86400) as bigint)) as double) / 86400
            as mean_days_in_stage

    from stage_entries
    inner join closed_deals
        on stage_entries.deal_id = closed_deals.deal_id
    where
        not stage_entries.is_closed
        and stage_entries.exited_at is not null
    group by closed_deals.closed_quarter, stage_entries.stage

),

final as (

    select
        stage_conversion.quarter_start || ':' || stage_conversion.stage as stage_quarter_id,
        stage_conversion.quarter_start,
        stage_conversion.stage,
        stage_conversion.stage_order,
        stage_conversion.next_stage,
        stage_conversion.deals_reached_stage,
        stage_conversion.deals_reached_next_stage,
        cast(stage_conversion.deals_reached_next_stage as double)
        / nullif(stage_conversion.deals_reached_stage, 0)
            as stage_conversion_rate,
        stage_durations.median_days_in_stage,
        stage_durations.mean_days_in_stage

    from stage_conversion
    left join stage_durations
        on
            stage_conversion.quarter_start = stage_durations.quarter_start
            and stage_conversion.stage = stage_durations.stage

)

select * from final
