{#- One row per Stripe price seen up to the as-of date, with its terms: the unit amount, the
    billing interval and the product. Stripe prices are immutable, so any subscription object
    (event or delivered version) showing a price shows its terms; a price only ever billed on
    invoices takes them from its regular subscription lines. Proration lines name a price
    without its unit amount: this is where the history reconstructed from invoices finds it. -#}
with

event_items as (

    select * from {{ ref('stg_billing__subscription_event_items') }}

),

version_items as (

    select * from {{ ref('stg_billing__subscription_version_items') }}

),

versions as (

    select * from {{ ref('stg_billing__subscription_versions') }}

),

invoice_lines as (

    select * from {{ ref('stg_billing__invoice_lines') }}

),

invoices as (

    select * from {{ ref('stg_billing__invoices') }}

),

object_sightings as (

    select
        price_id,
        product_id,
        unit_amount,
        currency,
        billing_interval,
        interval_count

    from event_items
    where occurred_at < {{ as_of_end_timestamp() }}

    union all

    select
        version_items.price_id,
        version_items.product_id,
        version_items.unit_amount,
        version_items.currency,
        version_items.billing_interval,
        version_items.interval_count

    from version_items
    inner join versions
        on version_items.version_id = versions.version_id
    where versions.landing_date <= cast('{{ var("as_of_date") }}' as date)

),

-- A regular line bills one whole period of its price: the amount per unit is the unit amount
-- (per-unit prices, the only kind the contract has), the period's length the interval.
line_sightings as (

    select
        invoice_lines.price_id,
        {{ divide_exact('invoice_lines.amount', 'invoice_lines.quantity', 2) }} as unit_amount,
        invoice_lines.currency,
        {{ date_diff('month', 'invoice_lines.period_start_at', 'invoice_lines.period_end_at') }}
            as period_months

    from invoice_lines
    inner join invoices
        on invoice_lines.invoice_id = invoices.invoice_id
    where
        invoice_lines.line_type = 'subscription'
        and not invoice_lines.is_proration
        and invoice_lines.quantity > 0
        and invoices.created_at < {{ as_of_end_timestamp() }}

),

from_objects as (

    select
        price_id,
        {{ any_non_null('product_id') }} as product_id,
        {{ any_non_null('unit_amount') }} as unit_amount,
        {{ any_non_null('currency') }} as currency,
        {{ any_non_null('billing_interval') }} as billing_interval,
        {{ any_non_null('interval_count') }} as interval_count,
        count(distinct unit_amount) as unit_amounts_seen,
        'subscription' as seen_on

    from object_sightings
    group by price_id

),

from_lines as (

    select
        price_id,
        cast(null as {{ type_text() }}) as product_id,
        {{ any_non_null('unit_amount') }} as unit_amount,
        {{ any_non_null('currency') }} as currency,
        case when {{ any_non_null('period_months') }} % 12 = 0 then 'year' else 'month' end
            as billing_interval,
        case
            when {{ any_non_null('period_months') }} % 12 = 0
                then {{ integer_divide(any_non_null('period_months'), 12) }}
            else {{ any_non_null('period_months') }}
        end as interval_count,
        count(distinct unit_amount) as unit_amounts_seen,
        'invoice' as seen_on

    from line_sightings
    where price_id not in (select from_objects.price_id from from_objects)
    group by price_id

),

final as (

    select * from from_objects
    union all
    select * from from_lines

)

select * from final
