{#- One row per deal as it stood at the end of the as-of date: stage reached, the first time it
    entered each stage, amount in EUR, outcome, sales cycle and qualification scores. The
    `<stage>_at` columns follow the default stages of the pipeline_stages seed; the singular test
    assert_fct_opportunities_has_every_stage fails if a stage is added to the seed without its
    column here. -#}
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

qualifications as (

    select * from {{ ref('int_leads_qualification_scored') }}

),

first_entries as (

    select
        deal_id,
        {%- for stage in ['detection', 'qualification', 'discovery', 'demo', 'proposal',
                          'negotiation', 'closedwon', 'closedlost'] %}
            min(entered_at) filter (where stage = '{{ stage }}') as {{ stage }}_at,
        {%- endfor %}
        count(*) as stage_entries

    from stage_entries
    group by deal_id

),

final as (

    select
        deals.deal_id,
        deals.deal_name,
        deals.company_id,
        deals.lead_id,
        deals.owner_id,
        deals.deal_origin,
        deals.segment,
        deals.created_at,
        cast(date_trunc('quarter', deals.created_at) as date) as created_quarter,
        deals.close_date,
        deals.current_stage,
        deals.current_stage_order,
        deals.current_stage_entered_at,
        highest_stages.stage as highest_stage_reached,
        deals.highest_stage_order,
        {%- for stage in ['detection', 'qualification', 'discovery', 'demo', 'proposal',
                          'negotiation', 'closedwon', 'closedlost'] %}
            first_entries.{{ stage }}_at,
        {%- endfor %}
        coalesce(first_entries.stage_entries, 0) as stage_entries,
        deals.is_closed,
        deals.is_won,
        deals.closed_at,
        cast(date_trunc('quarter', deals.closed_at) as date) as closed_quarter,
        deals.amount,
        deals.currency,
        deals.valuation_date,
        deals.rate_to_eur,
        deals.amount_eur,
        deals.forecast_probability,
        cast(deals.amount_eur * deals.forecast_probability as decimal(18, 6)) as weighted_amount_eur,
        case
            when deals.is_won then {{ date_diff('day', 'deals.created_at', 'deals.closed_at') }}
        end as sales_cycle_days,
        {{ date_diff(
            'day',
            'deals.created_at',
            "coalesce(deals.closed_at, cast('" ~ var('as_of_date') ~ "' as timestamp))",
        ) }} as days_open,
        deals.meddic_score,
        deals.meddpicc_score,
        deals.qualification_framework,
        qualifications.is_bant_complete as is_lead_bant_complete,
        deals.closed_lost_reason

    from deals
    left join first_entries
        on deals.deal_id = first_entries.deal_id
    left join stages as highest_stages
        on
            deals.highest_stage_order = highest_stages.stage_order
            and not (highest_stages.is_closed and not highest_stages.is_won)
    left join qualifications
        on deals.lead_id = qualifications.lead_id

)

select * from final
