{#- Open deals that break a qualification rule at the end of the as-of date, one row per deal and
    rule, with the reason in words (the sales_meddic_gate and sales_kill_rule docs):

    - meddic_gate_violation: the deal is at `meddic_gate_from_stage` (Proposal) or later with a
      MEDDIC score below `meddic_gate_min_score` (4 of 6);
    - kill_candidate: the deal has been open more than `kill_after_days` (30) days with a MEDDIC
      score below `kill_max_meddic_score` (3 of 6). The CRM does not export the history of the
      MEDDIC fields, so the deal's age stands for "for more than 30 days": a deal cannot have held
      its current score for longer than it has existed. -#}
with

opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

stages as (

    select * from {{ ref('pipeline_stages') }}

),

gate_stage as (

    select stage_order as gate_stage_order
    from stages
    where stage = '{{ var("meddic_gate_from_stage") }}'

),

open_deals as (

    select * from opportunities
    where not is_closed

),

alerts as (

    select
        open_deals.deal_id,
        'meddic_gate_violation' as alert_type,
        'At ' || open_deals.current_stage || ' with MEDDIC ' || open_deals.meddic_score
        || '/6; the gate requires at least {{ var("meddic_gate_min_score") }}/6 from '
        || '{{ var("meddic_gate_from_stage") }} on' as reason

    from open_deals
    cross join gate_stage
    where
        open_deals.current_stage_order >= gate_stage.gate_stage_order
        and open_deals.meddic_score < {{ var('meddic_gate_min_score') }}

    union all

    select
        deal_id,
        'kill_candidate' as alert_type,
        'Open ' || days_open || ' days with MEDDIC ' || meddic_score
        || '/6; deals under {{ var("kill_max_meddic_score") }}/6 for more than '
        || '{{ var("kill_after_days") }} days are to be killed' as reason

    from open_deals
    where
        meddic_score < {{ var('kill_max_meddic_score') }}
        and days_open > {{ var('kill_after_days') }}

),

final as (

    select
        alerts.deal_id || ':' || alerts.alert_type as deal_alert_id,
        alerts.deal_id,
        alerts.alert_type,
        alerts.reason,
        open_deals.owner_id,
        open_deals.deal_name,
        open_deals.current_stage,
        open_deals.meddic_score,
        open_deals.meddpicc_score,
        open_deals.qualification_framework,
        open_deals.days_open,
        open_deals.amount_eur,
        open_deals.close_date,
        cast('{{ var("as_of_date") }}' as date) as as_of_date

    from alerts
    inner join open_deals
        on alerts.deal_id = open_deals.deal_id

)

select * from final
