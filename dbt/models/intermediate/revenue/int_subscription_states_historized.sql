{#- Every state a subscription has been in, with the period it was in force and its monthly
    recurring amount at the prices of that time (never today's prices projected backwards). -#}
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

customers as (

    select * from {{ ref('stg_billing__customers') }}

),

-- Events after the as-of date are ignored, so a rerun for a past date reproduces that day.
events_to_date as (

    select *
    from subscription_events
    where occurred_at < cast('{{ var("as_of_date") }}' as date) + interval 1 day

),

-- Items without a recurring interval are one-off prices: never recurring revenue. The monthly
-- share is the amount per year over 12: quarterly is month x 3, so a price of `interval_count`
-- intervals bills (intervals per year / interval_count) times a year. One exact division, on
-- integers; the published amounts round once, in int_customer_mrr_months_converted.
items_normalized as (

    select
        event_id,
        quantity,
        coalesce(product_id in ({{ flat_fee_products }}), false) as is_flat_fee,
        {{ divide_exact(
            "unit_amount * quantity * case billing_interval
                when 'month' then 12
                when 'year' then 1
                when 'week' then 52
                when 'day' then 365
            end",
            "12 * interval_count",
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

-- Two events of one subscription in the same second are ordered by their lifecycle step.
versions as (

    select
        events_to_date.event_id,
        events_to_date.subscription_id,
        events_to_date.customer_id,
        customers.company_id,
        events_to_date.event_type,
        events_to_date.occurred_at as valid_from,
        lead(events_to_date.occurred_at) over subscription_history as valid_to,
        row_number() over subscription_history as version_number,
        first_value(events_to_date.event_type) over subscription_history as first_event_type,
        events_to_date.status,
        events_to_date.started_at,
        events_to_date.trial_end_at,
        events_to_date.currency,
        events_to_date.discount_coupon_id,
        events_to_date.discount_percent_off,
        events_to_date.discount_duration,
        coalesce(items_per_event.list_mrr_local, 0) as list_mrr_local,
        coalesce(items_per_event.recurring_quantity, 0) as recurring_quantity,
        coalesce(items_per_event.seat_quantity, 0) as seat_quantity

    from events_to_date
    left join items_per_event
        on events_to_date.event_id = items_per_event.event_id
    left join customers
        on events_to_date.customer_id = customers.customer_id
    window subscription_history as (
        partition by events_to_date.subscription_id
        order by
            events_to_date.occurred_at,
            case events_to_date.event_type
                when 'customer.subscription.created' then 1
                when 'customer.subscription.updated' then 2
                when 'customer.subscription.deleted' then 3
            end,
            events_to_date.event_id
        rows between unbounded preceding and unbounded following
    )

),

final as (

    select
        event_id,
        subscription_id,
        customer_id,
        company_id,
        event_type,
        version_number,
        valid_from,
        valid_to,
        status,
        -- A trial is never revenue, whatever price its items already show.
        status in ({{ paid_statuses }}) as is_paid,
        started_at,
        -- The first event we hold is not the creation: the history before it is unknown.
        first_event_type <> 'customer.subscription.created' as is_history_truncated,
        currency,
        discount_coupon_id,
        discount_percent_off,
        discount_duration,
        coalesce(discount_duration in ({{ discount_durations }}), false)
            as is_discount_in_mrr,
        list_mrr_local,
        recurring_quantity,
        seat_quantity,
        case
            when status in ({{ paid_statuses }})
                -- percent_off is a decimal(5, 2): times 0.01 keeps the product exact.
                then list_mrr_local * (
                    100 - case
                        when discount_duration in ({{ discount_durations }})
                            then coalesce(discount_percent_off, 0)
                        else 0
                    end
                ) * 0.01
            else 0
        end as mrr_local

    from versions

)

select * from final
