{#- Every signal a lead produced up to the as-of date (int_lead_signals_collected), priced with
    the points table (seed lead_score_points). Signals worth 0 points and not intent-bearing are
    dropped: they can move neither the score nor the intent flag. A view: the stored signals are
    read once, by int_leads_mql_computed, and a change of points or of the as-of date applies to
    every signal on the next run. -#}
with

signals as (

    select * from {{ ref('int_lead_signals_collected') }}

),

points as (

    select * from {{ ref('lead_score_points') }}

),

scored as (

    select
        signals.signal_id,
        signals.lead_id,
        signals.signal_source,
        signals.signal_type,
        signals.source_event_id,
        signals.occurred_at,
        points.points,
        points.is_intent

    from signals
    inner join points
        on
            signals.signal_source = points.signal_source
            and signals.signal_type = points.signal_type
    where
        signals.occurred_at < {{ as_of_end_timestamp() }}
        and (points.points > 0 or points.is_intent)

)

select * from scored
