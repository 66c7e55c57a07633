{#- ABC segment of every CRM account as of the as-of date: weight (the account's share
    of trailing-12-month net revenue, classes cut at cumulative shares from vars) crossed with
    potential (weighted criteria from var segment_potential_weights), through the segment_matrix
    seed. -#}
{%- set window_months = var('segment_window_months') -%}
{%- set potential_weights = var('segment_potential_weights') -%}
{%- set criteria = ['employees', 'industry_fit', 'revenue_growth', 'unused_seats'] -%}

with

accounts as (

    select * from {{ ref('int_account_potential_inputs_collected') }}

),

account_revenue_monthly as (

    select * from {{ ref('fct_account_revenue_monthly') }}

),

segment_matrix as (

    select * from {{ ref('segment_matrix') }}

),

as_of_month as (

    select cast(date_trunc('month', cast('{{ var("as_of_date") }}' as date)) as date) as month_start

),

-- Trailing window: the as-of month and the window_months - 1 before it; prior: the window before.
revenue as (

    select
        account_revenue_monthly.company_id,
        -- decimal(38, 2): the contract's type (DuckDB's sum; Spark's would be narrower)
        cast(sum(
            case
                when
                    account_revenue_monthly.revenue_month
                    > as_of_month.month_start - interval '{{ window_months }} month'
                    then account_revenue_monthly.net_revenue_eur
                else 0
            end
        ) as decimal(38, 2)) as trailing_revenue_eur,
        cast(sum(
            case
                when
                    account_revenue_monthly.revenue_month
                    <= as_of_month.month_start - interval '{{ window_months }} month'
                    then account_revenue_monthly.net_revenue_eur
                else 0
            end
        ) as decimal(38, 2)) as prior_revenue_eur

    from account_revenue_monthly
    cross join as_of_month
    where
        account_revenue_monthly.revenue_month <= as_of_month.month_start
        and account_revenue_monthly.revenue_month
        > as_of_month.month_start - interval '{{ 2 * window_months }} month'
    group by account_revenue_monthly.company_id

),

with_revenue as (

    select
        accounts.*,
        coalesce(revenue.trailing_revenue_eur, 0) as trailing_revenue_eur,
        coalesce(revenue.prior_revenue_eur, 0) as prior_revenue_eur,
        case
            when coalesce(revenue.prior_revenue_eur, 0) > 0
                then cast(coalesce(revenue.trailing_revenue_eur, 0) as double) / revenue.prior_revenue_eur - 1
        end as revenue_growth

    from accounts
    left join revenue
        on accounts.company_id = revenue.company_id

),

-- Ranked by revenue, largest first; the cumulative share before an account is what the accounts
-- above it already make, so the account that crosses a cut-off still belongs to the class above.
weighted as (

    select
        *,
        cast(greatest(trailing_revenue_eur, 0) as double)
        / nullif(sum(greatest(trailing_revenue_eur, 0)) over (), 0) as revenue_share,
        cast(coalesce(
            sum(greatest(trailing_revenue_eur, 0)) over (
                order by greatest(trailing_revenue_eur, 0) desc, company_id
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as double) / nullif(sum(greatest(trailing_revenue_eur, 0)) over (), 0) as cumulative_share_before,
        -- Growth ranks among revenue-earning accounts; an account with no prior-window revenue
        -- (new) ranks at the top, an account without revenue scores 0.
        case
            when trailing_revenue_eur > 0
                then {{ round_double(
                    '100.0 * percent_rank() over (
                        partition by trailing_revenue_eur > 0
                        order by revenue_growth asc nulls last
                    )',
                    2,
                ) }}
            else 0
        end as revenue_growth_score

    from with_revenue

),

classified as (

    select
        *,
        case
            when trailing_revenue_eur <= 0 then 'C'
            when cumulative_share_before < {{ var('segment_weight_a_min_share') }} then 'A'
            when cumulative_share_before < {{ var('segment_weight_b_min_share') }} then 'B'
            else 'C'
        end as weight_class,
        {%- for criterion in criteria %}
            {{ potential_weights[criterion] }} * {{ criterion }}_score{{ ' +' if not loop.last }}
        {%- endfor %} as potential_score

    from weighted

),

banded as (

    select
        classified.company_id,
        classified.company_name,
        classified.industry,
        classified.employees,
        cast(classified.paid_seats as {{ type_hugeint() }}) as paid_seats,
        classified.trailing_revenue_eur,
        classified.prior_revenue_eur,
        classified.revenue_growth,
        classified.revenue_share,
        classified.cumulative_share_before,
        classified.weight_class,
        classified.employees_score,
        classified.industry_fit_score,
        classified.revenue_growth_score,
        classified.unused_seats_score,
        {{ round_double('classified.potential_score', 2) }} as potential_score,
        case
            when
                {{ round_double('classified.potential_score', 2) }}
                >= {{ var('segment_potential_high_min') }}
                then 'high'
            when
                {{ round_double('classified.potential_score', 2) }}
                >= {{ var('segment_potential_medium_min') }}
                then 'medium'
            else 'low'
        end as potential_class,
        classified.trailing_revenue_eur > 0 as is_customer

    from classified

),

final as (

    select
        banded.*,
        segment_matrix.segment

    from banded
    left join segment_matrix
        on
            banded.weight_class = segment_matrix.weight_class
            and banded.potential_class = segment_matrix.potential_class

)

select * from final
