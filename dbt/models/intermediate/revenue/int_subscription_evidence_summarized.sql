{#- One row per subscription: what its MRR history rests on and whether it is complete. The MRR
    gate (the fct_mrr suite's `mrr_history_complete` rule) fails the run on every subscription
    with a `history_problem`: its history has a stretch no evidence covers (a gap), a paid
    invoice falls outside it, or a price it was billed at cannot be valued. -#}
{%- set history_start = var('billing_history_start_date') -%}

with

subscription_events as (

    select * from {{ ref('stg_billing__subscription_events') }}

),

versions as (

    select * from {{ ref('stg_billing__subscription_versions') }}

),

invoices as (

    select * from {{ ref('stg_billing__invoices') }}

),

invoice_lines as (

    select * from {{ ref('stg_billing__invoice_lines') }}

),

reconstructed_states as (

    select * from {{ ref('int_subscription_states_reconstructed') }}

),

subscription_states as (

    select * from {{ ref('int_subscription_states_historized') }}

),

first_events as (

    select
        subscription_id,
        min(occurred_at) as first_event_at,
        {{ arg_min('started_at', 'occurred_at') }} as started_at,
        count(*) as events_held

    from subscription_events
    where occurred_at < {{ as_of_end_timestamp() }}
    group by subscription_id

),

objects as (

    select {{ distinct_on(['subscription_id']) }} *
    from versions
    where landing_date <= cast('{{ var("as_of_date") }}' as date)
    {{ distinct_on_order(
        ['subscription_id'],
        'subscription_id asc, landing_date desc, source_file desc, source_line desc',
    ) }}

),

billed_lines as (

    select
        invoice_lines.subscription_id,
        invoice_lines.invoice_id,
        invoices.status as invoice_status,
        invoice_lines.line_type,
        invoice_lines.is_proration,
        invoice_lines.amount,
        invoice_lines.period_start_at,
        invoice_lines.period_end_at

    from invoice_lines
    inner join invoices
        on invoice_lines.invoice_id = invoices.invoice_id
    where
        invoices.created_at < {{ as_of_end_timestamp() }}
        and invoice_lines.subscription_id is not null
        and (invoice_lines.line_type = 'subscription' or invoice_lines.is_proration)

),

-- An account that delivers neither subscription events nor invoices has no billing history to
-- check: its MRR shows only what the subscription objects say on their landing day, and
-- meta.metric_availability flags the marts built without those sources.
delivered_history as (

    select
        exists (select 1 from first_events)
        or exists (select 1 from billed_lines) as has_billing_history

),

subscriptions as (

    select subscription_id from objects
    union
    select subscription_id from first_events
    union
    select distinct subscription_id from billed_lines

),

-- What each piece of evidence covers of a subscription's life: its events from the first one
-- held on; an invoice line the period it bills (a proration line, from the change); the object's
-- trial and, once ended, everything after the end; a delivered version the last second of its
-- landing day.
evidence_spans as (

    select
        subscription_id,
        first_event_at as span_from,
        cast('infinity' as timestamp) as span_to

    from first_events

    union all

    select
        subscription_id,
        period_start_at as span_from,
        period_end_at as span_to

    from billed_lines

    union all

    select
        subscription_id,
        started_at as span_from,
        trial_end_at as span_to

    from objects
    where trial_end_at > started_at

    union all

    select
        subscription_id,
        ended_at as span_from,
        cast('infinity' as timestamp) as span_to

    from objects
    where ended_at is not null

    union all

    select
        subscription_id,
        landing_date + interval '86399 second' as span_from,
        landing_date + interval '1 day' as span_to

    from versions
    where landing_date <= cast('{{ var("as_of_date") }}' as date)

),

-- The stretch that must be covered: from the start (the object's, else the first event's; unless
-- the subscription started before var billing_history_start_date, when billing records had not
-- begun) to the as-of date.
starts as (

    select
        subscriptions.subscription_id,
        coalesce(objects.started_at, first_events.started_at) as started_at

    from subscriptions
    left join objects
        on subscriptions.subscription_id = objects.subscription_id
    left join first_events
        on subscriptions.subscription_id = first_events.subscription_id

),

required as (

    select
        subscription_id,
        {% if history_start -%}
            case
                when started_at >= cast('{{ history_start }}' as timestamp) then started_at
            end
        {%- else -%}
            started_at
        {%- endif %} as required_from,
        {{ as_of_end_timestamp() }} as required_to

    from starts

),

ordered_spans as (

    select
        evidence_spans.subscription_id,
        evidence_spans.span_from,
        evidence_spans.span_to,
        max(evidence_spans.span_to) over (
            partition by evidence_spans.subscription_id
            order by evidence_spans.span_from, evidence_spans.span_to
            rows between unbounded preceding and 1 preceding
        ) as covered_to_before

    from evidence_spans
    where evidence_spans.span_from < {{ as_of_end_timestamp() }}

),

gaps as (

    -- Before the first evidence.
    select
        required.subscription_id,
        required.required_from as gap_from,
        min(ordered_spans.span_from) as gap_to

    from required
    inner join ordered_spans
        on required.subscription_id = ordered_spans.subscription_id
    group by required.subscription_id, required.required_from
    having required.required_from < min(ordered_spans.span_from)

    union all

    -- Between two pieces of evidence.
    select
        ordered_spans.subscription_id,
        ordered_spans.covered_to_before as gap_from,
        ordered_spans.span_from as gap_to

    from ordered_spans
    where ordered_spans.span_from > ordered_spans.covered_to_before

    union all

    -- After the last evidence, up to the as-of date.
    select
        required.subscription_id,
        max(ordered_spans.span_to) as gap_from,
        required.required_to as gap_to

    from required
    inner join ordered_spans
        on required.subscription_id = ordered_spans.subscription_id
    group by required.subscription_id, required.required_to
    having max(ordered_spans.span_to) < required.required_to

),

first_gaps as (

    select {{ distinct_on(['subscription_id']) }}
        subscription_id,
        gap_from,
        gap_to

    from gaps
    {{ distinct_on_order(['subscription_id'], 'subscription_id, gap_from') }}

),

-- A paid invoice bills its subscription from the start of its regular lines' period: the
-- history must show the subscription paying at that moment.
paid_invoices as (

    select
        subscription_id,
        invoice_id,
        min(period_start_at) as billed_from

    from billed_lines
    where
        invoice_status = 'paid'
        and line_type = 'subscription'
        and not is_proration
        and amount > 0
    group by subscription_id, invoice_id

),

unexplained_invoices as (

    select
        paid_invoices.subscription_id,
        count(*) as unexplained_paid_invoices,
        {{ arg_min('paid_invoices.invoice_id', 'paid_invoices.billed_from') }} as first_invoice_id,
        min(paid_invoices.billed_from) as first_billed_from

    from paid_invoices
    where
        not exists (
            select 1
            from subscription_states
            where
                subscription_states.subscription_id = paid_invoices.subscription_id
                and subscription_states.is_paid
                and subscription_states.valid_from <= paid_invoices.billed_from
                and (
                    subscription_states.valid_to is null
                    or paid_invoices.billed_from < subscription_states.valid_to
                )
        )
    group by paid_invoices.subscription_id

),

unpriced as (

    select
        subscription_id,
        {{ string_agg_sorted('unpriced_price_ids', ', ', distinct=true) }} as unpriced_price_ids

    from reconstructed_states
    where unpriced_price_ids is not null
    group by subscription_id

),

history as (

    select
        subscription_id,
        min(valid_from) as history_from,
        count(*) filter (where evidence = 'event') as event_states,
        count(*) filter (where evidence = 'invoice') as invoice_states,
        count(*) filter (where evidence = 'subscription') as object_states

    from subscription_states
    group by subscription_id

),

final as (

    select
        subscriptions.subscription_id,
        objects.customer_id,
        starts.started_at,
        first_events.first_event_at,
        coalesce(first_events.events_held, 0) as events_held,
        history.history_from,
        coalesce(history.event_states, 0) as event_states,
        coalesce(history.invoice_states, 0) as invoice_states,
        coalesce(history.object_states, 0) as object_states,
        first_gaps.gap_from,
        first_gaps.gap_to,
        coalesce(unexplained_invoices.unexplained_paid_invoices, 0) as unexplained_paid_invoices,
        unpriced.unpriced_price_ids,
        subscriptions.subscription_id || ': ' || case
            when not delivered_history.has_billing_history then null
            when first_gaps.subscription_id is not null
                then
                    'no event, invoice or subscription version covers '
                    || coalesce(
                        {{ format_timestamp('first_gaps.gap_from', '%Y-%m-%d %H:%M:%S') }}, 'its start'
                    )
                    || ' to ' || {{ format_timestamp('first_gaps.gap_to', '%Y-%m-%d %H:%M:%S') }}
            when unexplained_invoices.subscription_id is not null
                then
                    'paid invoice ' || unexplained_invoices.first_invoice_id || ' bills from '
                    || {{ format_timestamp('unexplained_invoices.first_billed_from', '%Y-%m-%d %H:%M:%S') }}
                    || ', when its history shows it not paying'
            when unpriced.subscription_id is not null
                then 'no unit amount known for ' || unpriced.unpriced_price_ids
        end as history_problem

    from subscriptions
    left join objects
        on subscriptions.subscription_id = objects.subscription_id
    left join starts
        on subscriptions.subscription_id = starts.subscription_id
    left join first_events
        on subscriptions.subscription_id = first_events.subscription_id
    left join history
        on subscriptions.subscription_id = history.subscription_id
    left join first_gaps
        on subscriptions.subscription_id = first_gaps.subscription_id
    left join unexplained_invoices
        on subscriptions.subscription_id = unexplained_invoices.subscription_id
    left join unpriced
        on subscriptions.subscription_id = unpriced.subscription_id
    cross join delivered_history

)

select * from final
