{#- The open pipeline at the end of every week (Sunday, UTC), replayed from the deal stage history:
    one row per week end and deal open at that moment, with the stage it was in then, its amount
    in EUR at that day's rate and its weighted amount. Rebuilding from history (rather than saving
    a copy each week) gives snapshots for weeks before the warehouse existed and makes forecast
    accuracy computable for any past quarter. The deal's amount and expected close date are the
    CRM's current values: their history is not exported. -#}
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

fx_rates as (

    select * from {{ ref('int_fx_rates_daily') }}

),

bounds as (

    select
        min(cast(created_at as date)) as first_day,
        cast('{{ var("as_of_date") }}' as date) as last_day

    from deals

),

-- isodow: Monday = 1 ... Sunday = 7; the first Sunday on or after the first deal, the last one
-- on or before the as-of date.
week_ends as (

    select
        {{ date_series(
            'cast(first_day + cast((7 - ' ~ iso_day_of_week('first_day') ~ ') as integer) as timestamp)',
            'cast(last_day - cast((' ~ iso_day_of_week('last_day') ~ ' % 7) as integer) as timestamp)',
            "interval '7 day'",
        ) }} as snapshot_date

    from bounds

),

-- A stage entry covers [entered_at, exited_at); the snapshot is taken at the end of its day.
stages_at_week_end as (

    select
        week_ends.snapshot_date,
        stage_entries.deal_id,
        stage_entries.stage,
        stage_entries.entered_at as stage_entered_at

    from week_ends
    inner join stage_entries
        on
            stage_entries.entered_at < week_ends.snapshot_date + interval '1 day'
            and (
                stage_entries.exited_at is null
                or stage_entries.exited_at >= week_ends.snapshot_date + interval '1 day'
            )

),

final as (

    select
        stages_at_week_end.snapshot_date || ':' || stages_at_week_end.deal_id
            as pipeline_snapshot_id,
        stages_at_week_end.snapshot_date,
        cast(date_trunc('quarter', stages_at_week_end.snapshot_date) as date) as snapshot_quarter,
        stages_at_week_end.deal_id,
        deals.owner_id,
        deals.segment,
        deals.deal_origin,
        stages_at_week_end.stage,
        stages.stage_order,
        stages_at_week_end.stage_entered_at,
        stages.is_qualified,
        stages.forecast_probability,
        deals.close_date,
        cast(date_trunc('quarter', deals.close_date) as date) as close_quarter,
        {{ date_diff('day', 'deals.created_at', 'stages_at_week_end.snapshot_date') }} as days_open,
        cast(deals.amount * fx_rates.rate_to_eur as decimal(18, 2)) as amount_eur,
        -- the contract's type, which Spark's decimal product would widen
        cast(
            cast(deals.amount * fx_rates.rate_to_eur as decimal(18, 2)) * stages.forecast_probability
            as decimal(18, 6)
        ) as weighted_amount_eur

    from stages_at_week_end
    inner join stages
        on stages_at_week_end.stage = stages.stage
    inner join deals
        on stages_at_week_end.deal_id = deals.deal_id
    left join fx_rates
        on
            stages_at_week_end.snapshot_date = fx_rates.rate_date
            and deals.currency = fx_rates.currency
    where not stages.is_closed

)

select * from final
