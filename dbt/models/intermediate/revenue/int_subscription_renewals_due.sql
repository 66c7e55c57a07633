{#- Every renewal a term contract came up for by the as-of date, one row per subscription and term
    end. A term contract is a subscription billed for at least `renewal_min_term_months` months
    at a time (yearly, quarterly); its terms end every term from its billing anchor (the trial
    end, else the start), as Stripe renews it.

    - Renewed: the subscription was still running after the term end.
    - Renewed late: it ended at that term end, but the customer paid a new subscription within
      `renewal_grace_days` after it (`days_late` says by how much).
    - Decided: renewed, or not renewed once the grace period has passed by the as-of date; a
      term end still inside its grace period is pending and counts in no rate yet.
    - ARR at stake: 12 x the MRR in force just before the term end, in EUR at that day's rate
      (null when the billing history does not reach back to it). -#}
with

subscriptions as (

    select * from {{ ref('stg_billing__subscriptions') }}

),

subscription_items as (

    select * from {{ ref('stg_billing__subscription_items') }}

),

subscription_states as (

    select * from {{ ref('int_subscription_states_historized') }}

),

fx_rates as (

    select * from {{ ref('int_fx_rates_daily') }}

),

customers as (

    select * from {{ ref('stg_billing__customers') }}

),

terms as (

    select
        subscription_id,
        max(
            case billing_interval
                when 'year' then 12 * coalesce(interval_count, 1)
                when 'month' then coalesce(interval_count, 1)
            end
        ) as term_months

    from subscription_items
    group by subscription_id

),

term_contracts as (

    select
        subscriptions.subscription_id,
        subscriptions.customer_id,
        subscriptions.currency,
        terms.term_months,
        coalesce(subscriptions.trial_end_at, subscriptions.started_at) as anchor_at,
        case
            when subscriptions.ended_at < {{ as_of_end_timestamp() }} then subscriptions.ended_at
        end as ended_at

    from subscriptions
    inner join terms
        on subscriptions.subscription_id = terms.subscription_id
    where
        terms.term_months >= {{ var('renewal_min_term_months') }}
        and subscriptions.started_at < {{ as_of_end_timestamp() }}

),

-- Term ends from the anchor (never period to period, so a 31st stays a month's last day) up to
-- the as-of date, and no later than the first term end at or after the contract ended.
term_numbers as (

    select
        term_contracts.*,
        {{ integer_series('1', integer_divide('12 * 100', 'term_contracts.term_months'), '1') }}
            as term_number

    from term_contracts

),

term_ends as (

    select
        term_numbers.*,
        {{ dbt.dateadd(
            'month', '(term_numbers.term_number - 1) * term_numbers.term_months',
            'term_numbers.anchor_at'
        ) }} as term_started_at,
        {{ dbt.dateadd(
            'month', 'term_numbers.term_number * term_numbers.term_months',
            'term_numbers.anchor_at'
        ) }} as due_at

    from term_numbers

),

due as (

    select *
    from term_ends
    where
        due_at < {{ as_of_end_timestamp() }}
        and (ended_at is null or term_started_at < ended_at)

),

-- The customer's next paid subscription after a contract ended at its term end.
comebacks as (

    select
        due.subscription_id,
        due.term_number,
        min(states.valid_from) as comeback_at

    from due
    inner join subscription_states as states
        on
            due.customer_id = states.customer_id
            and due.subscription_id != states.subscription_id
            and states.is_paid
            and due.ended_at <= states.valid_from
            and states.valid_from < {{ as_of_end_timestamp() }}
    where due.ended_at <= due.due_at
    group by due.subscription_id, due.term_number

),

arr_at_due as (

    select
        due.subscription_id,
        due.term_number,
        {{ arg_max(
            'case when states.is_paid then states.mrr_local end',
            'case when states.is_paid then states.valid_from end'
        ) }} as mrr_local

    from due
    inner join subscription_states as states
        on
            due.subscription_id = states.subscription_id
            and due.due_at > states.valid_from
    group by due.subscription_id, due.term_number

),

classified as (

    select
        due.subscription_id,
        due.customer_id,
        customers.company_id,
        due.currency,
        due.term_months,
        due.term_number,
        due.due_at,
        due.ended_at is null or due.ended_at > due.due_at as is_renewed_on_time,
        comebacks.comeback_at,
        -- greatest() skips nulls in DuckDB: without a comeback there is no delay at all.
        case
            when comebacks.comeback_at is not null
                then greatest({{ date_diff('day', 'due.due_at', 'comebacks.comeback_at') }}, 0)
        end as days_late,
        arr_at_due.mrr_local

    from due
    left join comebacks
        on
            due.subscription_id = comebacks.subscription_id
            and due.term_number = comebacks.term_number
    left join arr_at_due
        on
            due.subscription_id = arr_at_due.subscription_id
            and due.term_number = arr_at_due.term_number
    left join customers
        on due.customer_id = customers.customer_id

),

final as (

    select
        classified.subscription_id || ':' || classified.term_number as renewal_id,
        classified.subscription_id,
        classified.customer_id,
        classified.company_id,
        classified.term_months,
        classified.term_number,
        classified.due_at,
        cast(date_trunc('quarter', classified.due_at) as date) as due_quarter,
        classified.is_renewed_on_time,
        not classified.is_renewed_on_time
        and coalesce(classified.days_late <= {{ var('renewal_grace_days') }}, false)
            as is_renewed_late,
        case
            when
                not classified.is_renewed_on_time
                and classified.days_late <= {{ var('renewal_grace_days') }}
                then classified.days_late
        end as days_late,
        classified.is_renewed_on_time
        or coalesce(classified.days_late <= {{ var('renewal_grace_days') }}, false)
        or {{ dbt.dateadd('day', var('renewal_grace_days'), 'classified.due_at') }}
        < {{ as_of_end_timestamp() }} as is_decided,
        cast(round(12 * classified.mrr_local * fx_rates.rate_to_eur, 2) as decimal(18, 2))
            as arr_due_eur

    from classified
    left join fx_rates
        on
            cast(classified.due_at as date) = fx_rates.rate_date
            and classified.currency = fx_rates.currency

)

select * from final
