{#- One row per lead: its scores, each lifecycle moment (from fct_lead_lifecycle_history, so the
    lead list and the monthly funnel always agree) and its response time. -#}
with

leads as (

    select * from {{ ref('int_leads_filtered') }}

),

lifecycle as (

    select * from {{ ref('fct_lead_lifecycle_history') }}

),

mqls as (

    select * from {{ ref('int_leads_mql_computed') }}

),

qualifications as (

    select * from {{ ref('int_leads_qualification_scored') }}

),

touches as (

    select * from {{ ref('int_lead_touches_filtered') }}

),

deals as (

    select * from {{ ref('int_deals_enriched') }}

),

moments as (

    select
        lead_id,
        min(entered_at) filter (where lifecycle_stage = 'mql') as mql_at,
        min(entered_at) filter (where lifecycle_stage = 'sql') as sql_at,
        min(entered_at) filter (where lifecycle_stage = 'pql') as pql_at,
        min(entered_at) filter (where lifecycle_stage = 'activated') as activated_at,
        min(entered_at) filter (where lifecycle_stage = 'opportunity') as opportunity_at,
        min(evidence_id) filter (where lifecycle_stage = 'opportunity') as first_deal_id,
        min(entered_at) filter (where lifecycle_stage = 'customer') as customer_at,
        min(evidence_source) filter (where lifecycle_stage = 'customer') as customer_evidence_source

    from lifecycle
    group by lead_id

),

-- Response time runs from the MQL hand-off to the first SDR activity at or after it.
first_touches as (

    select
        moments.lead_id,
        min(touches.occurred_at) as first_sdr_touch_at,
        {{ arg_min('touches.engagement_id', 'touches.occurred_at') }} as first_sdr_touch_id,
        {{ arg_min('touches.owner_id', 'touches.occurred_at') }} as first_sdr_touch_owner_id

    from moments
    inner join touches
        on
            moments.lead_id = touches.lead_id
            and moments.mql_at <= touches.occurred_at
    group by moments.lead_id

),

final as (

    select
        leads.lead_id,
        leads.company_id,
        leads.owner_id,
        leads.job_title,
        leads.channel,
        leads.created_at,
        cast(date_trunc('month', leads.created_at) as date) as cohort_month,
        coalesce(mqls.lead_score, 0) as lead_score,
        coalesce(mqls.has_intent_signal, false) as has_intent_signal,
        mqls.last_intent_signal_at,
        qualifications.bmanter_score,
        qualifications.is_bant_complete,
        qualifications.bant_budget,
        qualifications.bant_authority,
        qualifications.bant_need,
        qualifications.bant_timing,
        qualifications.bant_qualified_at,
        moments.mql_at,
        case when moments.mql_at is not null then mqls.score_at_mql end as score_at_mql,
        case when moments.mql_at is not null then mqls.mql_intent_signal_at end
            as mql_intent_signal_at,
        case
            when moments.mql_at is not null
                then coalesce(
                    mqls.mql_intent_signal_at <= moments.mql_at
                    and mqls.mql_intent_signal_at
                    >= moments.mql_at - interval '{{ var('intent_window_days') }} day',
                    false
                )
        end as intent_signal_at_mql,
        moments.sql_at,
        moments.pql_at,
        moments.activated_at,
        moments.opportunity_at,
        moments.first_deal_id,
        deals.deal_origin as first_deal_origin,
        moments.customer_at,
        moments.customer_evidence_source,
        first_touches.first_sdr_touch_at,
        first_touches.first_sdr_touch_id,
        first_touches.first_sdr_touch_owner_id,
        {{ date_diff('second', 'moments.mql_at', 'first_touches.first_sdr_touch_at') }} / cast(3600 as double)
            as response_hours,
        case
            when moments.customer_at is not null then 'customer'
            when moments.opportunity_at is not null then 'opportunity'
            when moments.sql_at is not null then 'sql'
            when moments.mql_at is not null then 'mql'
            else 'lead'
        end as funnel_stage

    from leads
    left join moments
        on leads.lead_id = moments.lead_id
    left join mqls
        on leads.lead_id = mqls.lead_id
    left join qualifications
        on leads.lead_id = qualifications.lead_id
    left join first_touches
        on leads.lead_id = first_touches.lead_id
    left join deals
        on moments.first_deal_id = deals.deal_id

)

select * from final
