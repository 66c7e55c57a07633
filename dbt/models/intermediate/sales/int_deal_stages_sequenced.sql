{#- Every stage entry of every deal up to the as-of date, in order, with when the deal left the
    stage (its next entry) and how long it stayed. Rebuilt from the CRM's stage history, never
    from the deal's current stage, so any past date can be replayed. A deal still in a stage at the
    as-of date has no exit yet. -#}
with

stage_history as (

    select * from {{ ref('int_crm_deal_stage_history_selected') }}

),

deals as (

    select * from {{ ref('int_crm_deals_selected') }}

),

stages as (

    select * from {{ ref('pipeline_stages') }}

),

entries as (

    select
        stage_history.deal_id,
        stage_history.deal_stage as stage,  -- noqa: RF04
        stage_history.entered_at,
        stages.stage_order,
        stages.is_closed,
        stages.is_won

    from stage_history
    inner join deals
        on stage_history.deal_id = deals.deal_id
    inner join stages
        on stage_history.deal_stage = stages.stage
    where
        not deals.is_archived
        and stage_history.entered_at < {{ as_of_end_timestamp() }}

),

sequenced as (

    select
        deal_id,
        row_number() over (partition by deal_id order by entered_at, stage_order) as entry_number,
        stage,
        stage_order,
        is_closed,
        is_won,
        entered_at,
        lead(entered_at) over (partition by deal_id order by entered_at, stage_order)
            as exited_at,
        lead(stage) over (partition by deal_id order by entered_at, stage_order) as next_stage

    from entries

),

final as (

    select
        deal_id || ':' || entry_number as deal_stage_entry_id,
        deal_id,
        entry_number,
        stage,
        stage_order,
        is_closed,
        is_won,
        entered_at,
        exited_at,
        next_stage,
        {{ date_diff('second', 'entered_at', 'exited_at') }} / cast(86400 as double) as days_in_stage

    from sequenced

)

select * from final
