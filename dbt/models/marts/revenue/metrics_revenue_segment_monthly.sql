{#- Net revenue and average basket per ABC segment and month (revenue made per target
    segment and how the average order moves). Grain: month x segment, a separate mart
    because the segment is an account attribute, not a month total. Accounts sit in their segment
    as of the as-of date for every month (the current-segment view). -#}
with

account_revenue_monthly as (

    select * from {{ ref('fct_account_revenue_monthly') }}

),

account_segments as (

    select * from {{ ref('fct_account_segments') }}

),

mrr as (

    select * from {{ ref('fct_mrr') }}

),

mrr_by_company as (

    select
        company_id,
        month_start,
        sum(mrr_eur) as mrr_eur

    from mrr
    group by company_id, month_start

),

final as (

    select
        account_segments.segment || '|'
        || {{ format_timestamp('account_revenue_monthly.revenue_month', '%Y-%m') }}
            as segment_month_id,
        account_revenue_monthly.revenue_month as month_start,
        account_segments.segment,
        count(case when account_revenue_monthly.invoice_count > 0 then 1 end) as billed_accounts,
        sum(account_revenue_monthly.invoice_count) as invoices,
        sum(account_revenue_monthly.invoiced_revenue_eur) as invoiced_revenue_eur,
        sum(account_revenue_monthly.credited_revenue_eur) as credited_revenue_eur,
        sum(account_revenue_monthly.net_revenue_eur) as net_revenue_eur,
        cast(sum(account_revenue_monthly.net_revenue_eur) as double)
        / nullif(sum(account_revenue_monthly.invoice_count), 0) as average_basket_eur,
        cast(sum(account_revenue_monthly.net_revenue_eur) as double)
        / nullif(count(case when account_revenue_monthly.invoice_count > 0 then 1 end), 0)
            as net_revenue_per_billed_account_eur,
        coalesce(sum(mrr_by_company.mrr_eur), 0) as mrr_eur,
        count(case when mrr_by_company.mrr_eur > 0 then 1 end) as paying_accounts

    from account_revenue_monthly
    inner join account_segments
        on account_revenue_monthly.company_id = account_segments.company_id
    left join mrr_by_company
        on
            account_revenue_monthly.company_id = mrr_by_company.company_id
            and account_revenue_monthly.revenue_month = mrr_by_company.month_start
    group by account_revenue_monthly.revenue_month, account_segments.segment

)

select * from final
