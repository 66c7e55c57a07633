{#- Every state a subscription has been in, with the period it was in force and its monthly
    recurring amount at the prices of that time (never today's prices projected backwards).
    The states come from the best evidence (fct_mrr's docs, billing history): the subscription's
    events from its first event held on, and before it (or without events) the states
    int_subscription_states_reconstructed builds from invoices and the subscription object. -#}
{%- set paid_statuses = "'" ~ var('mrr_paid_statuses') | join("', '") ~ "'" -%}
{%- set discount_durations = "'" ~ var('mrr_discount_durations') | join("', '") ~ "'" -%}
{%- set flat_fee_products = "'" ~ var('billing_flat_fee_products') | join("', '") ~ "'" -%}

with

subscription_events as (

    select * from {{ ref('stg_billing__subscription_events') }}

),

subscription_event_items as (

    select * from {{ ref('stg_billing__subscription_event_items') }}

),

reconstructed_states as (

    select * from {{ ref('int_subscription_states_reconstructed') }}

),

customers as (

    select * from {{ ref('stg_billing__customers') }}

),

-- Events after the as-of date are ignored, so a rerun for a past date reproduces that day.
events_to_date as (

    select *
    from subscription_events
    where occurred_at < {{ as_of_end_timestamp() }}

),

-- Items without a recurring interval are one-off prices: never recurring revenue.
items_normalized as (

    select
        event_id,
        quantity,
        coalesce(product_id in ({{ flat_fee_products }}), false) as is_flat_fee,
        {{ monthly_recurring_amount(
            'unit_amount * quantity', 'billing_interval', 'interval_count'
        ) }} as monthly_amount

    from subscription_event_items
    where billing_interval is not null

),

items_per_event as (

    select
        event_id,
        sum(monthly_amount) as list_mrr_local,
        sum(quantity) as recurring_quantity,
        sum(case when not is_flat_fee then quantity else 0 end) as seat_quantity

    from items_normalized
    group by event_id

),

event_states as (

    select
        events_to_date.event_id as state_id,
        events_to_date.event_id,
        events_to_date.subscription_id,
        events_to_date.customer_id,
        'event' as evidence,
        events_to_date.event_type as state_source,
        events_to_date.occurred_at as valid_from,
        -- Two events of one subscription in the same second are ordered by their lifecycle step.
        case events_to_date.event_type
            when 'customer.subscription.created' then 1
            when 'customer.subscription.updated' then 2
            when 'customer.subscription.deleted' then 3
        end as lifecycle_step,
        events_to_date.event_type = 'customer.subscription.created' as is_start,
        events_to_date.status,
        events_to_date.started_at,
        events_to_date.currency,
        events_to_date.discount_coupon_id,
        events_to_date.discount_percent_off,
        events_to_date.discount_duration,
        coalesce(events_to_date.discount_duration in ({{ discount_durations }}), false)
            as is_discount_in_mrr,
        coalesce(items_per_event.list_mrr_local, 0) as list_mrr_local,
        coalesce(items_per_event.recurring_quantity, 0) as recurring_quantity,
        coalesce(items_per_event.seat_quantity, 0) as seat_quantity

    from events_to_date
    left join items_per_event
        on events_to_date.event_id = items_per_event.event_id

),

other_states as (

    select
        state_id,
        cast(null as {{ type_text() }}) as event_id,
        subscription_id,
        customer_id,
        evidence,
        state_source,
        valid_from,
        lifecycle_step,
        coalesce(valid_from <= started_at, false) as is_start,
        status,
        started_at,
        currency,
        cast(null as {{ type_text() }}) as discount_coupon_id,
        discount_percent_off,
        discount_duration,
        -- A discount read from invoices was billed for that period: it lowers its MRR whatever
        -- the coupon's duration (which invoices do not carry).
        evidence = 'invoice'
        or coalesce(discount_duration in ({{ discount_durations }}), false) as is_discount_in_mrr,
        list_mrr_local,
        recurring_quantity,
        seat_quantity

    from reconstructed_states

),

-- percent_off is a decimal(5, 2): times 0.01 keeps the product exact. A trial is never revenue,
-- whatever price its items already show.
valued as (

    select
        *,
        status in ({{ paid_statuses }}) as is_paid,
        case
            when status in ({{ paid_statuses }})
                then list_mrr_local * (
                    100 - case when is_discount_in_mrr then coalesce(discount_percent_off, 0) else 0 end
                ) * 0.01
            else 0
        end as mrr_local

    from (
        select * from event_states
        union all
        select * from other_states
    ) as unioned

),

-- A delivered version that changes nothing the MRR reads (paid or not; amounts and quantities
-- while paid) only repeats the evidence before it.
sequenced as (

    select
        *,
        lag(is_paid) over subscription_order as previous_is_paid,
        lag(list_mrr_local) over subscription_order as previous_list_mrr_local,
        lag(mrr_local) over subscription_order as previous_mrr_local,
        lag(recurring_quantity) over subscription_order as previous_recurring_quantity,
        lag(seat_quantity) over subscription_order as previous_seat_quantity

    from valued
    window subscription_order as (
        partition by subscription_id
        order by
            valid_from,
            lifecycle_step,
            case evidence when 'event' then 1 when 'invoice' then 2 else 3 end,
            state_id
    )

),

kept as (

    select *
    from sequenced
    where not (
        state_source = 'version'
        and is_paid is not distinct from previous_is_paid
        -- while paid, the same amounts and quantities as the state before
        and (
            not coalesce(is_paid, false)
            or (
                list_mrr_local is not distinct from previous_list_mrr_local
                and mrr_local is not distinct from previous_mrr_local
                and recurring_quantity is not distinct from previous_recurring_quantity
                and seat_quantity is not distinct from previous_seat_quantity
            )
        )
    )

),

versions as (

    select
        kept.*,
        customers.company_id,
        lead(kept.valid_from) over subscription_history as valid_to,
        row_number() over subscription_history as version_number,
        first_value(kept.is_start) over subscription_history as history_starts_at_start

    from kept
    left join customers
        on kept.customer_id = customers.customer_id
    window subscription_history as (
        partition by kept.subscription_id
        order by
            kept.valid_from,
            kept.lifecycle_step,
            case kept.evidence when 'event' then 1 when 'invoice' then 2 else 3 end,
            kept.state_id
    )

),

final as (

    select
        state_id,
        event_id,
        subscription_id,
        customer_id,
        company_id,
        evidence,
        state_source,
        version_number,
        valid_from,
        valid_to,
        status,
        is_paid,
        started_at,
        -- The first state we hold is not the subscription's start: the history before it is
        -- unknown (int_subscription_evidence_summarized says whether that is allowed).
        not history_starts_at_start as is_history_truncated,
        currency,
        discount_coupon_id,
        discount_percent_off,
        discount_duration,
        is_discount_in_mrr,
        list_mrr_local,
        recurring_quantity,
        seat_quantity,
        mrr_local

    from versions

)

select * from final
