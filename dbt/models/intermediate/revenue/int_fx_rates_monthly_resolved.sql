{#- One rate per month and currency, chosen by var mrr_fx_rate_policy: the single place where the
    FX policy of the monthly revenue metrics (MRR, spend in CAC) is decided.
    month_end (default): the rate of the month's last day, or of the as-of date in the current
    month: the same instant the MRR state is read at. month_average: the mean of the month's daily
    rates up to that day. -#}
{%- set policy = var('mrr_fx_rate_policy') -%}
{%- if policy not in ['month_end', 'month_average'] -%}
    {{ exceptions.raise_compiler_error(
        "var mrr_fx_rate_policy must be month_end or month_average, got " ~ policy
    ) }}
{%- endif -%}

with

fx_rates_daily as (

    select * from {{ ref('int_fx_rates_daily') }}

),

-- The month's reference day: its last day, or the as-of date for the month in progress.
rate_days as (

    select
        rate_date,
        currency,
        rate_to_eur,
        cast(date_trunc('month', rate_date) as date) as month_start,
        least(
            {{ month_last_day('rate_date') }},
            cast('{{ var("as_of_date") }}' as date)
        ) as reference_date

    from fx_rates_daily
    where rate_date <= cast('{{ var("as_of_date") }}' as date)

),

resolved as (

    select
        month_start,
        currency,
        {{ any_non_null('reference_date') }} as reference_date,
        cast(max(case when rate_date = reference_date then rate_to_eur end) as decimal(18, 8))
            as month_end_rate,
        -- The mean rounded once to the rate's 8 decimals, on integers (avg would divide in floating
        -- point).
        cast({{ divide_exact("sum(rate_to_eur)", "count(*)", 8) }} as decimal(18, 8))
            as month_average_rate

    from rate_days
    group by month_start, currency

),

final as (

    select
        month_start,
        currency,
        reference_date,
        month_end_rate,
        month_average_rate,
        {{ policy }}_rate as rate_to_eur

    from resolved

)

select * from final
