{#- What winning new customers cost each month, in EUR: marketing spend plus the loaded cost of
    the acquisition reps (var sales_cost_per_rep_month_eur: role -> monthly cost; roles left out
    of it, such as CSM and AM, work on existing customers and are not acquisition cost). -#}
{%- set rep_costs = var('sales_cost_per_rep_month_eur') -%}

with

campaign_spend as (

    select * from {{ ref('stg_marketing__campaign_spend') }}

),

owners as (

    select * from {{ ref('int_crm_owners_selected') }}

),

rates_for_month as (

    select * from {{ ref('int_fx_rates_monthly_resolved') }}

),

months as (

    {{ month_starts('campaign_spend', 'spend_month') }}

),

marketing_spend as (

    select
        campaign_spend.spend_month as month_start,
        sum(campaign_spend.spend * rates_for_month.rate_to_eur) as marketing_spend_eur

    from campaign_spend
    left join rates_for_month
        on
            campaign_spend.spend_month = rates_for_month.month_start
            and campaign_spend.currency = rates_for_month.currency
    where campaign_spend.spend_month <= cast('{{ var("as_of_date") }}' as date)
    group by campaign_spend.spend_month

),

-- A rep costs from the month of hire on; the CRM keeps no leaving date.
rep_months as (

    select
        months.month_start,
        owners.role,
        count(*) as reps,
        case owners.role
            {%- for role, cost in rep_costs.items() %}
                when '{{ role }}' then {{ cost }}
            {%- endfor %}
        end as cost_per_rep_eur

    from months
    inner join owners
        on owners.hired_date < months.month_start + interval '1 month'
    where owners.role in ({{ "'" ~ rep_costs.keys() | join("', '") ~ "'" }})
    group by months.month_start, owners.role

),

sales_cost as (

    select
        month_start,
        sum(reps) as acquisition_reps,
        sum(reps * cost_per_rep_eur) as sales_cost_eur

    from rep_months
    group by month_start

),

final as (

    select
        months.month_start,
        cast(round(coalesce(marketing_spend.marketing_spend_eur, 0), 2) as decimal(18, 2))
            as marketing_spend_eur,
        coalesce(sales_cost.acquisition_reps, 0) as acquisition_reps,
        cast(coalesce(sales_cost.sales_cost_eur, 0) as decimal(18, 2)) as sales_cost_eur,
        cast(
            round(coalesce(marketing_spend.marketing_spend_eur, 0), 2)
            + coalesce(sales_cost.sales_cost_eur, 0) as decimal(18, 2)
        ) as acquisition_cost_eur

    from months
    left join marketing_spend
        on months.month_start = marketing_spend.month_start
    left join sales_cost
        on months.month_start = sales_cost.month_start

)

select * from final
