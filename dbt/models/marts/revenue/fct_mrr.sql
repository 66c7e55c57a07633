with

customer_months as (

    select * from {{ ref('int_customer_mrr_months_converted') }}

),

subscription_states as (

    select * from {{ ref('int_subscription_states_historized') }}

),

-- The newest load of billing evidence this build reads (subscription events, invoices,
-- subscription versions): stamped on every row it writes, it tells the next incremental build
-- what arrived since (macro mrr_rebuild_scope).
source_watermark as (

    select max(loaded_at) as source_loaded_at
    from ({{ billing_evidence_loads() }}) as evidence_loads

),

-- A month at zero MRR (a 100% coupon) is not a paying month.
paying_months as (

    select *
    from customer_months
    where mrr_eur > 0

),

customers as (

    select
        customer_id,
        {{ any_non_null('company_id') }} as company_id,
        date_trunc('month', min(valid_from)) as history_first_month,
        -- Subscriptions that were running before the first event we hold (an installed base
        -- migrated into billing, or an export that starts later): their first month is an
        -- opening balance, not new business.
        bool_or(
            is_history_truncated
            or date_trunc('month', started_at) < date_trunc('month', valid_from)
        ) filter (where version_number = 1) as started_before_history,
        min(case when is_paid and mrr_local > 0 then valid_from end) as first_paid_event_at,
        min(started_at) as first_started_at

    from subscription_states
    group by customer_id

),

-- When paying stopped: the end of the last paying state that ended before a month's snapshot.
paid_state_ends as (

    select
        customer_id,
        valid_to as paid_ended_at

    from subscription_states
    where is_paid and mrr_local > 0 and valid_to is not null

),

months as (

    {{ month_starts('paying_months', 'month_start') }}

),

-- Every month from a customer's first paying month to the as-of month, paying or not, so that a
-- month without MRR after a paying one can record the churn.
customer_month_grid as (

    select
        first_months.customer_id,
        months.month_start

    from (
        select
            customer_id,
            min(month_start) as first_month
        from paying_months
        group by customer_id
    ) as first_months
    inner join months
        on first_months.first_month <= months.month_start

),

filled as (

    select
        customer_month_grid.customer_id,
        customer_month_grid.month_start,
        paying_months.currency,
        paying_months.fx_rate_to_eur,
        paying_months.mrr_local,
        paying_months.recurring_quantity,
        coalesce(paying_months.mrr_eur, 0) as mrr_eur,
        lag(coalesce(paying_months.mrr_eur, 0)) over customer_history as previous_mrr_eur,
        -- the window written out: Spark does not extend a named window with a frame
        count(paying_months.customer_id) over (
            partition by customer_month_grid.customer_id
            order by customer_month_grid.month_start
            rows between unbounded preceding and 1 preceding
        ) as previous_paying_months,
        row_number() over customer_history as month_number

    from customer_month_grid
    left join paying_months
        on
            customer_month_grid.customer_id = paying_months.customer_id
            and customer_month_grid.month_start = paying_months.month_start
    window customer_history as (
        partition by customer_month_grid.customer_id
        order by customer_month_grid.month_start
    )

),

classified as (

    select
        filled.*,
        customers.company_id,
        -- Carried in: the customer's first month is the first month of its billing history and
        -- it was already paying before it; its MRR opens the month instead of counting as new.
        filled.month_number = 1
        and customers.started_before_history
        and filled.month_start = customers.history_first_month as is_carried_in,
        case
            when filled.month_number = 1 and customers.started_before_history
                then customers.first_started_at
            else customers.first_paid_event_at
        end as first_paid_at

    from filled
    inner join customers
        on filled.customer_id = customers.customer_id
    -- Months after a churn stay out until the customer pays again.
    where filled.mrr_eur > 0 or filled.previous_mrr_eur > 0

),

with_movements as (

    select
        customer_id,
        company_id,
        month_start,
        currency,
        fx_rate_to_eur,
        mrr_local,
        recurring_quantity,
        case when is_carried_in then mrr_eur else coalesce(previous_mrr_eur, 0) end as mrr_start_eur,
        mrr_eur,
        case
            when is_carried_in then 'unchanged'
            when mrr_eur > 0 and coalesce(previous_mrr_eur, 0) = 0 and previous_paying_months > 0
                then 'reactivation'
            when mrr_eur > 0 and coalesce(previous_mrr_eur, 0) = 0 then 'new'
            when mrr_eur = 0 then 'churn'
            when mrr_eur > previous_mrr_eur then 'expansion'
            when mrr_eur < previous_mrr_eur then 'contraction'
            else 'unchanged'
        end as movement_type,
        is_carried_in,
        min(first_paid_at) over (partition by customer_id) as first_paid_at

    from classified

),

churn_times as (

    select
        with_movements.customer_id,
        with_movements.month_start,
        max(paid_state_ends.paid_ended_at) as churned_at

    from with_movements
    inner join paid_state_ends
        on
            with_movements.customer_id = paid_state_ends.customer_id
            and paid_state_ends.paid_ended_at < with_movements.month_start + interval '1 month'
    where with_movements.movement_type = 'churn'
    group by with_movements.customer_id, with_movements.month_start

),

final as (

    select
        with_movements.customer_id || '|' || {{ format_timestamp('with_movements.month_start', '%Y-%m') }}
            as customer_month_id,
        with_movements.customer_id,
        with_movements.company_id,
        with_movements.month_start,
        with_movements.currency,
        with_movements.fx_rate_to_eur,
        with_movements.mrr_local,
        with_movements.recurring_quantity,
        with_movements.mrr_start_eur,
        with_movements.mrr_eur,
        with_movements.mrr_eur * 12 as arr_eur,
        with_movements.movement_type,
        with_movements.mrr_eur - with_movements.mrr_start_eur as movement_eur,
        with_movements.mrr_eur > 0 as is_paying,
        with_movements.is_carried_in,
        with_movements.first_paid_at,
        churn_times.churned_at,
        source_watermark.source_loaded_at as _source_loaded_at

    from with_movements
    left join churn_times
        on
            with_movements.customer_id = churn_times.customer_id
            and with_movements.month_start = churn_times.month_start
    cross join source_watermark

)

-- Incremental: only the rebuild scope (macro mrr_rebuild_scope); the strategy of the
-- same name replaces exactly these rows. Typed by the contract (select_contract_types).
{{ select_contract_types('final') }}
{% if is_incremental() -%}
    where {{ mrr_rebuild_scope() }}
{%- endif %}
