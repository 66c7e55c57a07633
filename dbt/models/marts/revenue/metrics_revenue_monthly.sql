{%- set nrr_months = var('nrr_window_months') -%}
{%- set trailing_months = var('revenue_trailing_months') -%}
{%- set gross_margin = var('gross_margin') -%}

with

mrr as (

    select * from {{ ref('fct_mrr') }}

),

acquisition_costs as (

    select * from {{ ref('int_acquisition_costs_summed') }}

),

months as (

    {{ month_starts('mrr', 'month_start') }}

),

-- The MRR bridge: end = start + new + expansion + reactivation - contraction - churn, where start
-- is the previous month's end plus the MRR carried in by customers whose billing history starts
-- this month although they were already paying.
bridge as (

    select
        month_start,
        sum(mrr_start_eur) as mrr_start_eur,
        sum(case when is_carried_in then mrr_start_eur else 0 end) as carried_in_mrr_eur,
        sum(case when movement_type = 'new' then movement_eur else 0 end) as new_mrr_eur,
        sum(case when movement_type = 'expansion' then movement_eur else 0 end) as expansion_mrr_eur,
        sum(case when movement_type = 'reactivation' then movement_eur else 0 end)
            as reactivation_mrr_eur,
        -sum(case when movement_type = 'contraction' then movement_eur else 0 end)
            as contraction_mrr_eur,
        -sum(case when movement_type = 'churn' then movement_eur else 0 end) as churned_mrr_eur,
        sum(mrr_eur) as mrr_end_eur,
        count(case when mrr_start_eur > 0 then 1 end) as customers_start,
        count(case when is_paying then 1 end) as active_customers,
        count(case when movement_type = 'new' then 1 end) as new_customers,
        count(case when movement_type = 'reactivation' then 1 end) as reactivated_customers,
        count(case when movement_type = 'churn' then 1 end) as churned_customers

    from mrr
    group by month_start

),

-- NRR / GRR: the customers paying at the end of the month nrr_window_months earlier, their MRR
-- then (base) and now (retained); GRR caps each customer's MRR now at its MRR then.
retention_base as (

    select
        months.month_start,
        base.customer_id,
        base.mrr_eur as base_mrr_eur,
        coalesce(later.mrr_eur, 0) as current_mrr_eur

    from months
    inner join mrr as base
        on
            base.month_start = months.month_start - interval '{{ nrr_months }} month'
            and base.is_paying
    left join mrr as later
        on
            base.customer_id = later.customer_id
            and months.month_start = later.month_start

),

retention as (

    select
        month_start,
        count(*) as nrr_base_customers,
        sum(base_mrr_eur) as nrr_base_mrr_eur,
        sum(current_mrr_eur) as nrr_retained_mrr_eur,
        sum(least(current_mrr_eur, base_mrr_eur)) as grr_retained_mrr_eur

    from retention_base
    group by month_start

),

-- Early churn by cohort: of the customers new in a month, those whose first loss came within
-- early_churn_days of their first paid day.
first_churns as (

    select
        customer_id,
        min(churned_at) as first_churned_at

    from mrr
    where movement_type = 'churn'
    group by customer_id

),

early_churn as (

    select
        mrr.month_start,
        count(
            case
                when
                    first_churns.first_churned_at
                    <= mrr.first_paid_at + interval '{{ var('early_churn_days') }} day'
                    then 1
            end
        ) as early_churned_customers

    from mrr
    left join first_churns
        on mrr.customer_id = first_churns.customer_id
    where mrr.movement_type = 'new'
    group by mrr.month_start

),

monthly as (

    select
        months.month_start,
        coalesce(bridge.mrr_start_eur, 0) as mrr_start_eur,
        coalesce(bridge.carried_in_mrr_eur, 0) as carried_in_mrr_eur,
        coalesce(bridge.new_mrr_eur, 0) as new_mrr_eur,
        coalesce(bridge.expansion_mrr_eur, 0) as expansion_mrr_eur,
        coalesce(bridge.contraction_mrr_eur, 0) as contraction_mrr_eur,
        coalesce(bridge.churned_mrr_eur, 0) as churned_mrr_eur,
        coalesce(bridge.reactivation_mrr_eur, 0) as reactivation_mrr_eur,
        coalesce(bridge.mrr_end_eur, 0) as mrr_end_eur,
        coalesce(bridge.customers_start, 0) as customers_start,
        coalesce(bridge.active_customers, 0) as active_customers,
        coalesce(bridge.new_customers, 0) as new_customers,
        coalesce(bridge.reactivated_customers, 0) as reactivated_customers,
        coalesce(bridge.churned_customers, 0) as churned_customers,
        retention.nrr_base_customers,
        retention.nrr_base_mrr_eur,
        retention.nrr_retained_mrr_eur,
        retention.grr_retained_mrr_eur,
        coalesce(early_churn.early_churned_customers, 0) as early_churned_customers,
        -- A cohort's early-churn rate is final once its last customer has had early_churn_days.
        {{ month_last_day('months.month_start') }} + interval '{{ var('early_churn_days') }} day'
        <= cast('{{ var("as_of_date") }}' as date) as is_early_churn_window_complete,
        coalesce(acquisition_costs.marketing_spend_eur, 0) as marketing_spend_eur,
        coalesce(acquisition_costs.sales_cost_eur, 0) as sales_cost_eur,
        coalesce(acquisition_costs.acquisition_cost_eur, 0) as acquisition_cost_eur

    from months
    left join bridge
        on months.month_start = bridge.month_start
    left join retention
        on months.month_start = retention.month_start
    left join early_churn
        on months.month_start = early_churn.month_start
    left join acquisition_costs
        on months.month_start = acquisition_costs.month_start

),

with_trailing as (

    select
        monthly.*,
        sum(monthly.churned_customers) over trailing_window as trailing_churned_customers,
        sum(monthly.customers_start) over trailing_window as trailing_customers_start,
        sum(monthly.new_customers) over trailing_window as trailing_new_customers,
        sum(monthly.new_mrr_eur) over trailing_window as trailing_new_mrr_eur,
        sum(monthly.acquisition_cost_eur) over trailing_window as trailing_acquisition_cost_eur

    from monthly
    window trailing_window as (
        order by month_start
        rows between {{ trailing_months - 1 }} preceding and current row
    )

),

ratios as (

    select
        *,
        mrr_end_eur * 12 as arr_eur,
        mrr_end_eur - mrr_start_eur as net_new_mrr_eur,
        cast(mrr_end_eur as double) / nullif(active_customers, 0) as arpa_eur,
        cast(nrr_retained_mrr_eur as double) / nullif(nrr_base_mrr_eur, 0) as nrr,
        cast(grr_retained_mrr_eur as double) / nullif(nrr_base_mrr_eur, 0) as grr,
        cast(churned_customers as double) / nullif(customers_start, 0) as logo_churn_rate,
        cast(trailing_churned_customers as double) / nullif(trailing_customers_start, 0)
            as trailing_logo_churn_rate,
        case
            when is_early_churn_window_complete
                then cast(early_churned_customers as double) / nullif(new_customers, 0)
        end as early_churn_rate,
        cast(acquisition_cost_eur as double) / nullif(new_customers, 0) as cac_eur,
        cast(trailing_acquisition_cost_eur as double) / nullif(trailing_new_customers, 0) as trailing_cac_eur,
        cast(new_mrr_eur as double) / nullif(new_customers, 0) as new_mrr_per_new_customer_eur,
        cast(trailing_new_mrr_eur as double) / nullif(trailing_new_customers, 0)
            as trailing_new_mrr_per_new_customer_eur

    from with_trailing

),

final as (

    select
        month_start,
        mrr_start_eur,
        carried_in_mrr_eur,
        new_mrr_eur,
        expansion_mrr_eur,
        contraction_mrr_eur,
        churned_mrr_eur,
        reactivation_mrr_eur,
        mrr_end_eur,
        net_new_mrr_eur,
        arr_eur,
        customers_start,
        active_customers,
        new_customers,
        reactivated_customers,
        churned_customers,
        arpa_eur,
        nrr_base_customers,
        nrr_base_mrr_eur,
        nrr_retained_mrr_eur,
        grr_retained_mrr_eur,
        nrr,
        grr,
        logo_churn_rate,
        trailing_logo_churn_rate,
        early_churned_customers,
        is_early_churn_window_complete,
        early_churn_rate,
        marketing_spend_eur,
        sales_cost_eur,
        acquisition_cost_eur,
        cac_eur,
        cast(cac_eur as double) / nullif(new_mrr_per_new_customer_eur * {{ gross_margin }}, 0)
            as cac_payback_months,
        trailing_cac_eur,
        cast(trailing_cac_eur as double)
        / nullif(trailing_new_mrr_per_new_customer_eur * {{ gross_margin }}, 0)
            as trailing_cac_payback_months,
        arpa_eur * {{ gross_margin }} / nullif(trailing_logo_churn_rate, 0) as ltv_eur,
        arpa_eur * {{ gross_margin }} / nullif(trailing_logo_churn_rate, 0)
        / nullif(trailing_cac_eur, 0) as ltv_to_cac

    from ratios

)

select * from final
