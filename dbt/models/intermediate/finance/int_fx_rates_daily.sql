{#- FX policy: an amount dated D converts at the rate of D; on a day without a published rate
    (weekend, holiday, or after the last export) the last known rate applies. One row per calendar
    day and currency from the first rate date to the as-of date, EUR included at 1. A company that
    delivers no rates (it bills in euros only) gets EUR alone, from the Unix epoch: no Stripe
    amount is older. -#}
with

fx_rates as (

    select * from {{ ref('stg_billing__fx_rates') }}

),

calendar as (

    select {{ date_series('first_date', 'last_date', "interval '1 day'") }} as rate_date

    from (
        select
            coalesce(min(rate_date), date '1970-01-01') as first_date,
            greatest(max(rate_date), cast('{{ var("as_of_date") }}' as date)) as last_date

        from fx_rates
    ) as bounds

),

currencies as (

    select distinct currency from fx_rates

),

days_by_currency as (

    select
        calendar.rate_date,
        currencies.currency,
        fx_rates.rate_to_eur,
        fx_rates.rate_date as quoted_rate_date

    from calendar
    cross join currencies
    left join fx_rates
        on
            calendar.rate_date = fx_rates.rate_date
            and currencies.currency = fx_rates.currency

),

-- The latest quote on or before each day: quote dates grow with the day, so the running maximum
-- of the quoted dates is the last one (a rate is carried with the day it was quoted).
latest_quotes as (

    select
        rate_date,
        currency,
        max(quoted_rate_date) over (
            partition by currency order by rate_date
            rows between unbounded preceding and current row
        ) as quoted_rate_date

    from days_by_currency

),

carried_forward as (

    select
        latest_quotes.rate_date,
        latest_quotes.currency,
        fx_rates.rate_to_eur,
        latest_quotes.quoted_rate_date

    from latest_quotes
    left join fx_rates
        on
            latest_quotes.quoted_rate_date = fx_rates.rate_date
            and latest_quotes.currency = fx_rates.currency

),

-- Rates are quoted in euros per unit, so the euro itself is 1 every day.
euro as (

    select
        rate_date,
        'EUR' as currency,
        cast(1 as decimal(18, 8)) as rate_to_eur,
        rate_date as quoted_rate_date

    from calendar

),

final as (

    select
        rate_date,
        currency,
        rate_to_eur,
        quoted_rate_date,
        quoted_rate_date < rate_date as is_carried_forward

    from carried_forward
    -- Days before a currency's first published rate have no rate to carry.
    where rate_to_eur is not null

    union all

    select
        rate_date,
        currency,
        rate_to_eur,
        quoted_rate_date,
        false as is_carried_forward

    from euro

)

select * from final
