{#- The MQL moment of each lead: the first moment its lead score (points of the signals in the
    trailing `lead_score_window_days`, capped at `lead_score_cap`) is at least
    `mql_score_threshold` while an intent signal lies in the trailing `intent_window_days`.

    Points are never negative (tested on the seed), so the score and the intent flag only rise at
    the moment of a signal and only fall as signals age out. The condition can therefore first
    become true only at a signal's timestamp: evaluating it at every signal is exact, not an
    approximation. Both windows include their start: a signal exactly 90 days old still counts.
    Signals sharing a timestamp are evaluated together.

    The windows are evaluated only where an MQL can happen, which is exact for the same reason:
    for leads whose points add up to the threshold over all time and that have an intent signal,
    and from `lead_score_window_days` before their first intent signal on (an earlier signal
    can count in no window ending at or after it). At scale M that is 41 % of the moments. -#}
with

-- Read three times, each time for other columns: not materialized, or DuckDB would first copy
-- every signal with all its columns (tens of millions of rows at scale L).
signals as {{ not_materialized() }} (

    select * from {{ ref('int_lead_score_events_scored') }}

),

-- The score a lead holds at the end of the as-of date, for the lead list, and whether it can
-- ever be an MQL: its points over all time, its first intent signal.
as_of_scores as (

    select
        lead_id,
        least(
            coalesce(
                cast(sum(points) filter (
                    where occurred_at
                    >= {{ as_of_end_timestamp() }} - interval '{{ var('lead_score_window_days') }} day'
                ) as {{ type_hugeint() }}),
                0
            ),
            {{ var('lead_score_cap') }}
        ) as lead_score,
        coalesce(
            bool_or(is_intent) filter (
                where occurred_at
                >= {{ as_of_end_timestamp() }} - interval '{{ var('intent_window_days') }} day'
            ),
            false
        ) as has_intent_signal,
        max(occurred_at) filter (where is_intent) as last_intent_signal_at,
        sum(points) as total_points,
        min(occurred_at) filter (where is_intent) as first_intent_signal_at

    from signals
    group by lead_id

),

moments as (

    select
        signals.lead_id,
        signals.occurred_at as evaluated_at,
        sum(signals.points) as points_at_moment,
        bool_or(signals.is_intent) as has_intent_at_moment

    from signals
    inner join as_of_scores
        on signals.lead_id = as_of_scores.lead_id
    where
        as_of_scores.total_points >= {{ var('mql_score_threshold') }}
        and signals.occurred_at >= as_of_scores.first_intent_signal_at
        - interval '{{ var('lead_score_window_days') }} day'
    group by signals.lead_id, signals.occurred_at

),

windowed as (

    select
        lead_id,
        evaluated_at,
        least(
            -- hugeint: DuckDB's sum of integers, which the contract publishes
            cast(sum(points_at_moment) over (
                partition by lead_id order by evaluated_at
                range between interval '{{ var('lead_score_window_days') }} day' preceding
                and current row
            ) as {{ type_hugeint() }}),
            {{ var('lead_score_cap') }}
        ) as lead_score,
        max(case when has_intent_at_moment then evaluated_at end) over (
            partition by lead_id order by evaluated_at
            rows between unbounded preceding and current row
        ) as last_intent_at

    from moments

),

evaluated as (

    select
        lead_id,
        evaluated_at,
        lead_score,
        last_intent_at,
        coalesce(
            last_intent_at >= evaluated_at - interval '{{ var('intent_window_days') }} day', false
        ) as has_intent_signal

    from windowed

),

first_mql as (

    select
        lead_id,
        min(evaluated_at) as mql_at,
        {{ arg_min('lead_score', 'evaluated_at') }} as score_at_mql,
        {{ arg_min('last_intent_at', 'evaluated_at') }} as mql_intent_signal_at

    from evaluated
    where
        lead_score >= {{ var('mql_score_threshold') }}
        and has_intent_signal
    group by lead_id

),

-- The signal named as the MQL trigger: the first by id among those at the MQL moment. Looked up
-- for the MQL leads only, rather than carrying a text id through every moment's window.
mql_signals as (

    select
        first_mql.lead_id,
        min(signals.signal_id) as mql_signal_id

    from first_mql
    inner join signals
        on
            first_mql.lead_id = signals.lead_id
            and first_mql.mql_at = signals.occurred_at
    group by first_mql.lead_id

),

final as (

    select
        as_of_scores.lead_id,
        as_of_scores.lead_score,
        as_of_scores.has_intent_signal,
        as_of_scores.last_intent_signal_at,
        first_mql.mql_at,
        first_mql.score_at_mql,
        first_mql.mql_intent_signal_at,
        mql_signals.mql_signal_id

    from as_of_scores
    left join first_mql
        on as_of_scores.lead_id = first_mql.lead_id
    left join mql_signals
        on as_of_scores.lead_id = mql_signals.lead_id

)

select * from final
