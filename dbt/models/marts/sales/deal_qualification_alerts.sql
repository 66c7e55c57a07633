{#- Open deals that break a qualification rule at the end of the as-of date, one row per deal and
    rule, with the reason in words (the sales_meddic_gate and sales_kill_rule docs):

    - meddic_gate_violation: the deal is at `meddic_gate_from_stage` (Proposal) or later with a
      MEDDIC score below `meddic_gate_min_score` (4 of 6);
    - kill_candidate: the deal has been open more than `kill_after_days` (30) days with a MEDDIC
      score below `kill_max_meddic_score` (3 of 6). The CRM does not export the history of the
      MEDDIC fields, so the deal's age stands for "for more than 30 days": a deal cannot have held
      its current score for longer than it has existed;
    - single_threaded: an open new-logo deal above `multithreading_gate_acv_eur` (100 kEUR) at
      `multithreading_gate_from_stage` (Proposal) or later reaches fewer than
      `multithreading_min_contacts` (3) people of the buyer (fct_deal_multithreading). -#}
with

opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

stages as (

    select * from {{ ref('pipeline_stages') }}

),

multithreading as (

    select * from {{ ref('fct_deal_multithreading') }}

),

gate_stage as (

    select stage_order as gate_stage_order
    from stages
    where stage = '{{ var("meddic_gate_from_stage") }}'

),

multithreading_gate_stage as (

    select stage_order as gate_stage_order
    from stages
    where stage = '{{ var("multithreading_gate_from_stage") }}'

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

    union all

    select
        open_deals.deal_id,
        'single_threaded' as alert_type,
        'New logo of ' || open_deals.amount_eur || ' EUR at ' || open_deals.current_stage
        || ' with ' || multithreading.engaged_contacts || ' engaged contact(s); from '
        || '{{ var("multithreading_gate_from_stage") }} on, new logos above '
        || '{{ var("multithreading_gate_acv_eur") }} EUR need at least '
        || '{{ var("multithreading_min_contacts") }}' as reason

    from open_deals
    inner join multithreading
        on open_deals.deal_id = multithreading.deal_id
    cross join multithreading_gate_stage
    where
        multithreading.deal_motion = 'new_logo'
        and open_deals.amount_eur > {{ var('multithreading_gate_acv_eur') }}
        and open_deals.current_stage_order >= multithreading_gate_stage.gate_stage_order
        and multithreading.engaged_contacts < {{ var('multithreading_min_contacts') }}

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
