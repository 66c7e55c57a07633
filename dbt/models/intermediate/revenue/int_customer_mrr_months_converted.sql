{#- Each customer's MRR for each month it was paying at month end, converted to EUR.
    Convention: the MRR of a month is the state in force at the last instant of the month (or of
    the as-of date in the current month), so a mid-month upgrade counts in full in its month. -#}
with

subscription_states as (

    select * from {{ ref('int_subscription_states_historized') }}

),

rates_for_month as (

    select * from {{ ref('int_fx_rates_monthly_resolved') }}

),

-- snapshot_before is the first instant after the month (or after the as-of date): the state in
-- force just before it is the month's state.
months as (

    select
        month_start,
        least(
            month_start + interval '1 month',
            cast('{{ var("as_of_date") }}' as date) + interval '1 day'
        ) as snapshot_before

    from ({{ month_starts('subscription_states', 'valid_from') }}) as series

),

paid_states_at_month_end as (

    select
        months.month_start,
        cast(months.snapshot_before - interval '1 day' as date) as snapshot_date,
        subscription_states.customer_id,
        subscription_states.company_id,
        subscription_states.subscription_id,
        subscription_states.currency,
        subscription_states.mrr_local,
        subscription_states.recurring_quantity

    from months
    inner join subscription_states
        on
            months.snapshot_before > subscription_states.valid_from
            and (
                subscription_states.valid_to is null
                or months.snapshot_before <= subscription_states.valid_to
            )
    where subscription_states.is_paid

),

-- Grouping by currency too keeps a customer billed in two currencies visible: the model's key
-- test fails rather than mixing amounts (Stripe bills one customer in one currency).
per_customer as (

    select
        customer_id,
        company_id,
        month_start,
        snapshot_date,
        currency,
        count(*) as paid_subscriptions,
        sum(recurring_quantity) as recurring_quantity,
        cast(round(sum(mrr_local), 2) as decimal(18, 2)) as mrr_local

    from paid_states_at_month_end
    group by customer_id, company_id, month_start, snapshot_date, currency

),

-- Converted from the rounded local amount, so mrr_local x fx_rate_to_eur gives mrr_eur to the cent.
converted as (

    select
        per_customer.*,
        rates_for_month.rate_to_eur as fx_rate_to_eur,
        cast(round(per_customer.mrr_local * rates_for_month.rate_to_eur, 2) as decimal(18, 2))
            as mrr_eur

    from per_customer
    left join rates_for_month
        on
            per_customer.month_start = rates_for_month.month_start
            and per_customer.currency = rates_for_month.currency

)

select * from converted
