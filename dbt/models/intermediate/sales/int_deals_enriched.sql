{#- Each deal as it stood at the end of the as-of date: its stage replayed from the stage history,
    its amount in EUR, its company's size segment and its MEDDIC / MEDDPICC scores.

    - EUR amount: a closed deal converts at the rate of its closing day, an open deal at the
      as-of date's rate (int_fx_rates_daily: the last known rate on days without a quote).
    - MEDDIC score: criteria confirmed out of six (an empty field is not confirmed); MEDDPICC adds
      Paper process and Competition, out of eight.
    - Qualification framework (docs/metrics.md): MEDDPICC above `meddpicc_deal_size_eur`, BANT up to it. -#}
with

deals as (

    select * from {{ ref('int_crm_deals_selected') }}

),

stage_entries as (

    select * from {{ ref('int_deal_stages_sequenced') }}

),

stages as (

    select * from {{ ref('pipeline_stages') }}

),

company_segments as (

    select * from {{ ref('int_companies_size_segmented') }}

),

fx_rates as (

    select * from {{ ref('int_fx_rates_daily') }}

),

latest_entries as (

    select {{ distinct_on(['deal_id']) }}
        deal_id,
        stage as current_stage,
        entered_at as current_stage_entered_at

    from stage_entries
    {{ distinct_on_order(['deal_id'], 'deal_id asc, entry_number desc') }}

),

-- Closed lost is an exit, not a step forward: a lost deal reached the furthest open stage it
-- entered before losing.
furthest_stages as (

    select
        deal_id,
        max(stage_order) filter (where not is_closed or is_won) as highest_stage_order

    from stage_entries
    group by deal_id

),

scored as (

    select
        deals.deal_id,
        deals.deal_name,
        deals.company_id,
        deals.contact_id as lead_id,
        deals.owner_id,
        deals.deal_origin,
        deals.pipeline,
        deals.created_at,
        deals.close_date,
        deals.amount,
        deals.currency,
        deals.closed_lost_reason,
        cast(coalesce(deals.meddic_metrics, false) as integer)
        + cast(coalesce(deals.meddic_economic_buyer, false) as integer)
        + cast(coalesce(deals.meddic_decision_criteria, false) as integer)
        + cast(coalesce(deals.meddic_decision_process, false) as integer)
        + cast(coalesce(deals.meddic_identify_pain, false) as integer)
        + cast(coalesce(deals.meddic_champion, false) as integer) as meddic_score,
        cast(coalesce(deals.meddpicc_paper_process, false) as integer)
        + cast(coalesce(deals.meddpicc_competition, false) as integer) as meddpicc_extra_score,
        -- A deal with no stage history at all keeps the CRM's current stage.
        coalesce(latest_entries.current_stage, deals.deal_stage) as current_stage,
        coalesce(latest_entries.current_stage_entered_at, deals.created_at)
            as current_stage_entered_at,
        furthest_stages.highest_stage_order

    from deals
    left join latest_entries
        on deals.deal_id = latest_entries.deal_id
    left join furthest_stages
        on deals.deal_id = furthest_stages.deal_id
    where
        not deals.is_archived
        and deals.created_at < {{ as_of_end_timestamp() }}

),

staged as (

    select
        scored.*,
        stages.stage_order as current_stage_order,
        stages.forecast_probability,
        stages.is_closed,
        stages.is_won,
        stages.is_qualified,
        case when stages.is_closed then scored.current_stage_entered_at end as closed_at,
        case
            when stages.is_closed then cast(scored.current_stage_entered_at as date)
            else cast('{{ var("as_of_date") }}' as date)
        end as valuation_date

    from scored
    inner join stages
        on scored.current_stage = stages.stage

),

converted as (

    select
        staged.*,
        fx_rates.rate_to_eur,
        cast(staged.amount * fx_rates.rate_to_eur as decimal(18, 2)) as amount_eur,
        company_segments.segment

    from staged
    left join fx_rates
        on
            staged.valuation_date = fx_rates.rate_date
            and staged.currency = fx_rates.currency
    left join company_segments
        on staged.company_id = company_segments.company_id

),

final as (

    select
        deal_id,
        deal_name,
        company_id,
        lead_id,
        owner_id,
        deal_origin,
        pipeline,
        segment,
        created_at,
        close_date,
        current_stage,
        current_stage_order,
        current_stage_entered_at,
        coalesce(
            highest_stage_order, case when not is_closed or is_won then current_stage_order end
        ) as highest_stage_order,
        forecast_probability,
        is_closed,
        is_won,
        is_qualified,
        closed_at,
        amount,
        currency,
        valuation_date,
        rate_to_eur,
        amount_eur,
        meddic_score,
        meddic_score + meddpicc_extra_score as meddpicc_score,
        case
            when amount_eur > {{ var('meddpicc_deal_size_eur') }} then 'meddpicc' else 'bant'
        end as qualification_framework,
        closed_lost_reason

    from converted

)

select * from final
