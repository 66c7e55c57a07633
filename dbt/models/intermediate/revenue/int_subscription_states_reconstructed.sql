{#- The states of each subscription that its events do not tell: the time before its first event
    held (Stripe's API lists 30 days of events), or its whole life when no event is held. Built
    from its invoices (a state per regular invoice, from the period the invoice bills, and one per
    change a pair of proration lines dates) and from its subscription object (the trial, the end,
    and a delivered version newer than every event that shows a change nothing else dates).
    The order of precedence is in fct_mrr's docs (billing history) and docs/metrics.md. -#}
{%- set flat_fee_products = "'" ~ var('billing_flat_fee_products') | join("', '") ~ "'" -%}

with

subscription_events as (

    select * from {{ ref('stg_billing__subscription_events') }}

),

versions as (

    select * from {{ ref('stg_billing__subscription_versions') }}

),

version_items as (

    select * from {{ ref('stg_billing__subscription_version_items') }}

),

invoices as (

    select * from {{ ref('stg_billing__invoices') }}

),

invoice_lines as (

    select * from {{ ref('stg_billing__invoice_lines') }}

),

prices as (

    select * from {{ ref('int_billing_prices_collected') }}

),

-- From its first event held on, a subscription's events alone tell its history.
first_events as (

    select
        subscription_id,
        min(occurred_at) as first_event_at,
        max(landing_date) as last_event_landing_date

    from subscription_events
    where occurred_at < {{ as_of_end_timestamp() }}
    group by subscription_id

),

versions_to_date as (

    select *
    from versions
    where landing_date <= cast('{{ var("as_of_date") }}' as date)

),

-- The subscription object as last delivered: its customer, start, trial and end.
subscription_objects as (

    select {{ distinct_on(['versions_to_date.subscription_id']) }}
        versions_to_date.subscription_id,
        versions_to_date.customer_id,
        versions_to_date.currency,
        versions_to_date.started_at,
        versions_to_date.trial_end_at,
        versions_to_date.ended_at,
        coalesce(first_events.first_event_at, {{ as_of_end_timestamp() }}) as reconstruct_before

    from versions_to_date
    left join first_events
        on versions_to_date.subscription_id = first_events.subscription_id
    {{ distinct_on_order(
        ['versions_to_date.subscription_id'],
        'versions_to_date.subscription_id asc, versions_to_date.landing_date desc, '
        ~ 'versions_to_date.source_file desc, versions_to_date.source_line desc',
    ) }}

),

-- The recurring lines billed before the subscription's first event: regular subscription lines
-- (dated by the period they bill) and proration lines (dated by the change). One-off items
-- (an onboarding fee) are not recurring and say nothing of the subscription's state.
billed_lines as (

    select
        invoice_lines.invoice_id,
        invoice_lines.subscription_id,
        invoices.status as invoice_status,
        invoices.created_at as invoice_created_at,
        invoices.currency,
        invoices.discount_amount,
        invoice_lines.is_proration,
        invoice_lines.price_id,
        invoice_lines.quantity,
        invoice_lines.amount,
        invoice_lines.period_start_at

    from invoice_lines
    inner join invoices
        on invoice_lines.invoice_id = invoices.invoice_id
    inner join subscription_objects
        on invoice_lines.subscription_id = subscription_objects.subscription_id
    where
        invoices.created_at < {{ as_of_end_timestamp() }}
        and invoice_lines.period_start_at < subscription_objects.reconstruct_before
        and (invoice_lines.line_type = 'subscription' or invoice_lines.is_proration)

),

-- One state per regular invoice, from the start of the period it bills. An invoice's status
-- says whether it was paid, not what the subscription held: a void or uncollectible invoice
-- still shows the items of its period; when two invoices bill one period (a void one and its
-- replacement), the last one not void counts. The coupon's percentage is the discount over the
-- regular lines, to the coupon's two decimals.
regular_invoice_candidates as (

    select
        invoice_id,
        {{ any_non_null('subscription_id') }} as subscription_id,
        {{ any_non_null('invoice_status') }} as invoice_status,
        {{ any_non_null('invoice_created_at') }} as invoice_created_at,
        {{ any_non_null('currency') }} as currency,
        min(period_start_at) as valid_from,
        case
            when sum(amount) > 0
                then {{ divide_exact(
                    any_non_null('discount_amount') ~ ' * 10000',
                    'cast(sum(amount) * 100 as bigint)',
                    2,
                ) }}
        end as discount_percent_off

    from billed_lines
    where not is_proration
    group by invoice_id

),

regular_invoices as (

    select {{ distinct_on(['subscription_id', 'valid_from']) }}
        invoice_id,
        subscription_id,
        currency,
        valid_from,
        discount_percent_off

    from regular_invoice_candidates
    {{ distinct_on_order(
        ['subscription_id', 'valid_from'],
        "subscription_id asc, valid_from asc, invoice_status = 'void' asc, "
        ~ "invoice_created_at desc nulls last, invoice_id desc",
    ) }}

),

regular_items as (

    select
        regular_invoices.invoice_id,
        regular_invoices.valid_from,
        billed_lines.price_id,
        billed_lines.quantity,
        billed_lines.amount

    from billed_lines
    inner join regular_invoices
        on billed_lines.invoice_id = regular_invoices.invoice_id
    where not billed_lines.is_proration

),

proration_lines as (

    select *
    from billed_lines
    where is_proration

),

-- A change inside a period starts from the items of the last regular invoice before it.
change_bases as (

    select {{ distinct_on(['changes.subscription_id', 'changes.changed_at']) }}
        changes.subscription_id,
        changes.changed_at,
        regular_invoices.invoice_id as base_invoice_id,
        regular_invoices.valid_from as base_from,
        regular_invoices.currency,
        regular_invoices.discount_percent_off

    from (
        select distinct
            subscription_id,
            period_start_at as changed_at
        from proration_lines
    ) as changes
    inner join regular_invoices
        on
            changes.subscription_id = regular_invoices.subscription_id
            and changes.changed_at >= regular_invoices.valid_from
    {{ distinct_on_order(
        ['changes.subscription_id', 'changes.changed_at'],
        'changes.subscription_id asc, changes.changed_at asc, regular_invoices.valid_from desc',
    ) }}

),

-- What a change leaves, price by price: the last word on the price since the base invoice, up
-- to the change. The base invoice's line speaks first, then the proration lines in time order;
-- at one moment the charge (the larger amount) speaks after the credit. A price whose last word
-- is a credit has left the subscription.
change_observations as (

    select
        change_bases.subscription_id,
        change_bases.changed_at,
        regular_items.price_id,
        regular_items.quantity,
        regular_items.amount,
        regular_items.amount as period_amount,
        regular_items.valid_from as observed_at,
        0 as observation_rank

    from change_bases
    inner join regular_items
        on change_bases.base_invoice_id = regular_items.invoice_id

    union all

    select
        change_bases.subscription_id,
        change_bases.changed_at,
        proration_lines.price_id,
        proration_lines.quantity,
        proration_lines.amount,
        -- A proration line bills part of a period: the full period's amount is the price's.
        cast(null as decimal(18, 2)) as period_amount,
        proration_lines.period_start_at as observed_at,
        1 as observation_rank

    from change_bases
    inner join proration_lines
        on
            change_bases.subscription_id = proration_lines.subscription_id
            and change_bases.base_from < proration_lines.period_start_at
            and change_bases.changed_at >= proration_lines.period_start_at

),

change_items as (

    select {{ distinct_on(['subscription_id', 'changed_at', 'price_id']) }} *
    from change_observations
    {{ distinct_on_order(
        ['subscription_id', 'changed_at', 'price_id'],
        'subscription_id asc, changed_at asc, price_id asc, observed_at desc nulls last, '
        ~ 'observation_rank desc nulls last, amount desc nulls last',
    ) }}

),

-- A delivered version newer than every event of its subscription (or of one without events)
-- that shows another state than the evidence before it is a change nothing else dates. It is
-- taken to hold from the last second of its landing day (Stripe times are whole seconds);
-- int_subscription_states_historized drops the ones that change nothing.
undated_versions as (

    select
        versions_to_date.*,
        versions_to_date.landing_date + interval '86399 second' as valid_from

    from versions_to_date
    left join first_events
        on versions_to_date.subscription_id = first_events.subscription_id
    where
        first_events.last_event_landing_date is null
        or versions_to_date.landing_date > first_events.last_event_landing_date

),

state_items as (

    select
        'invoice:' || regular_items.invoice_id as state_id,
        regular_items.price_id,
        regular_items.quantity,
        regular_items.amount as period_amount,
        prices.product_id,
        prices.billing_interval,
        prices.interval_count,
        prices.price_id is not null as is_price_known

    from regular_items
    left join prices
        on regular_items.price_id = prices.price_id

    union all

    select
        'change:' || change_items.subscription_id || '@'
        || {{ format_timestamp('change_items.changed_at', '%Y-%m-%dT%H:%M:%S') }} as state_id,
        change_items.price_id,
        change_items.quantity,
        coalesce(change_items.period_amount, prices.unit_amount * change_items.quantity)
            as period_amount,
        prices.product_id,
        prices.billing_interval,
        prices.interval_count,
        prices.price_id is not null as is_price_known

    from change_items
    left join prices
        on change_items.price_id = prices.price_id
    where change_items.amount > 0 or change_items.observation_rank = 0

    union all

    select
        'version:' || version_items.version_id as state_id,
        version_items.price_id,
        version_items.quantity,
        version_items.unit_amount * version_items.quantity as period_amount,
        version_items.product_id,
        version_items.billing_interval,
        version_items.interval_count,
        true as is_price_known

    from version_items
    inner join undated_versions
        on version_items.version_id = undated_versions.version_id

),

-- Prices without a recurring interval are one-off: never recurring revenue. A price whose terms
-- no object or regular line shows cannot be valued: the state names it (unpriced_price_ids) and
-- the MRR gate stops the run.
items_per_state as (

    select
        state_id,
        coalesce(sum({{ monthly_recurring_amount(
            'period_amount', 'billing_interval', 'interval_count'
        ) }}), 0) as list_mrr_local,
        coalesce(sum(quantity) filter (where billing_interval is not null), 0)
            as recurring_quantity,
        coalesce(sum(quantity) filter (
            where billing_interval is not null
            and not coalesce(product_id in ({{ flat_fee_products }}), false)
        ), 0) as seat_quantity,
        {{ string_agg_sorted('price_id', ', ', 'not is_price_known') }}
            as unpriced_price_ids

    from state_items
    group by state_id

),

states as (

    -- The trial, from the start the object gives to its trial end. A state holds until the next
    -- one, so the trial stands only when evidence takes over at its end (the first invoice, the
    -- end of a trial that did not convert, the first event) or it is still running; otherwise
    -- what followed it is unknown and the history starts at the next evidence, truncated.
    select
        'trial:' || subscription_id as state_id,
        subscription_id,
        'subscription' as evidence,
        'trial' as state_source,
        subscription_id as source_id,
        started_at as valid_from,
        1 as lifecycle_step,
        'trialing' as status,
        currency,
        cast(null as decimal(5, 2)) as discount_percent_off,
        cast(null as {{ type_text() }}) as discount_duration

    from subscription_objects
    where
        trial_end_at > started_at
        and started_at < reconstruct_before
        and (
            trial_end_at >= reconstruct_before
            or trial_end_at = ended_at
            or exists (
                select 1
                from regular_invoices
                where
                    regular_invoices.subscription_id = subscription_objects.subscription_id
                    and regular_invoices.valid_from = subscription_objects.trial_end_at
            )
        )

    union all

    select
        'invoice:' || invoice_id as state_id,
        subscription_id,
        'invoice' as evidence,
        'regular_invoice' as state_source,
        invoice_id as source_id,
        valid_from,
        2 as lifecycle_step,
        'active' as status,
        currency,
        discount_percent_off,
        cast(null as {{ type_text() }}) as discount_duration

    from regular_invoices

    union all

    select
        'change:' || subscription_id || '@' || {{ format_timestamp('changed_at', '%Y-%m-%dT%H:%M:%S') }}
            as state_id,
        subscription_id,
        'invoice' as evidence,
        'proration' as state_source,
        base_invoice_id as source_id,
        changed_at as valid_from,
        2 as lifecycle_step,
        'active' as status,
        currency,
        -- A change of seats or price keeps the coupon of the period.
        discount_percent_off,
        cast(null as {{ type_text() }}) as discount_duration

    from change_bases

    union all

    -- The end, from the object's ended_at: no invoice bills a stop.
    select
        'ended:' || subscription_id as state_id,
        subscription_id,
        'subscription' as evidence,
        'ended' as state_source,
        subscription_id as source_id,
        ended_at as valid_from,
        3 as lifecycle_step,
        'canceled' as status,
        currency,
        cast(null as decimal(5, 2)) as discount_percent_off,
        cast(null as {{ type_text() }}) as discount_duration

    from subscription_objects
    where ended_at < reconstruct_before

    union all

    select
        'version:' || version_id as state_id,
        subscription_id,
        'subscription' as evidence,
        'version' as state_source,
        version_id as source_id,
        valid_from,
        2 as lifecycle_step,
        status,
        currency,
        discount_percent_off,
        discount_duration

    from undated_versions

),

final as (

    select
        states.state_id,
        states.subscription_id,
        subscription_objects.customer_id,
        states.evidence,
        states.state_source,
        states.source_id,
        states.valid_from,
        states.lifecycle_step,
        states.status,
        subscription_objects.started_at,
        states.currency,
        states.discount_percent_off,
        states.discount_duration,
        coalesce(items_per_state.list_mrr_local, 0) as list_mrr_local,
        coalesce(items_per_state.recurring_quantity, 0) as recurring_quantity,
        coalesce(items_per_state.seat_quantity, 0) as seat_quantity,
        items_per_state.unpriced_price_ids

    from states
    inner join subscription_objects
        on states.subscription_id = subscription_objects.subscription_id
    left join items_per_state
        on states.state_id = items_per_state.state_id

)

select * from final
