{#- The lead lifecycle as an event history: one row per lead and stage reached. See the doc block
    funnel_lifecycle_history for why it is built from event logs rather than CRM fields.

    Ordering rule: along the funnel (lead -> mql -> sql -> opportunity -> customer) a stage counts
    only if it was reached no earlier than the lead's creation and no later than any further stage
    the lead reached: an outbound lead that sales qualified before its marketing score crossed the
    threshold skipped the MQL stage; it is not an MQL after the fact. PQL and activation are
    product milestones beside the funnel and are not ordered against it. -#}
with

entries as (

    select * from {{ ref('int_lead_stage_entries_unioned') }}

),

stepped as (

    select
        *,
        case lifecycle_stage
            when 'lead' then 0
            when 'mql' then 1
            when 'sql' then 2
            when 'opportunity' then 3
            when 'customer' then 4
        end as funnel_step

    from entries

),

bounded as (

    select
        *,
        min(entered_at) filter (where lifecycle_stage = 'lead') over (partition by lead_id)
            as lead_created_at,
        -- Earliest moment among the further funnel stages of the same lead (rows sorted from the
        -- last stage down, so the preceding rows are the further stages).
        min(entered_at) over (
            partition by lead_id order by funnel_step desc nulls last
            rows between unbounded preceding and 1 preceding
        ) as further_stage_first_at

    from stepped

),

final as (

    select
        lead_stage_entry_id,
        lead_id,
        lifecycle_stage,
        funnel_step,
        entered_at,
        cast(date_trunc('month', entered_at) as date) as entered_month,
        evidence_source,
        evidence_id,
        crm_recorded_at,
        cast('{{ var("as_of_date") }}' as date) as as_of_date

    from bounded
    where
        funnel_step is null
        or funnel_step = 0
        or (
            entered_at >= lead_created_at
            and (further_stage_first_at is null or entered_at <= further_stage_first_at)
        )

)

select * from final
