with

documents as (

    select * from {{ ref('int_billing_documents_converted') }}

),

accounts as (

    select
        company_id,
        {{ any_non_null('company_name') }} as company_name,
        {{ any_non_null('industry') }} as industry,
        min(revenue_month) as first_revenue_month

    from documents
    group by company_id

),

-- Every month from the account's first billed month to the as-of month, so a month without an
-- invoice reads 0 rather than missing (trailing sums and growth compare like with like).
account_months as (

    select
        company_id,
        company_name,
        industry,
        {{ date_series(
            'cast(first_revenue_month as timestamp)',
            "cast(date_trunc('month', cast('" ~ var('as_of_date') ~ "' as date)) as timestamp)",
            "interval '1 month'",
        ) }} as revenue_month

    from accounts

),

monthly_documents as (

    select
        company_id,
        revenue_month,
        count(*) filter (where document_type = 'invoice') as invoice_count,
        count(*) filter (where document_type = 'credit_note') as credit_note_count,
        coalesce(sum(net_amount_eur) filter (where document_type = 'invoice'), 0) as invoiced_revenue_eur,
        coalesce(-sum(net_amount_eur) filter (where document_type = 'credit_note'), 0) as credited_revenue_eur

    from documents
    group by company_id, revenue_month

),

final as (

    select
        account_months.company_id,
        account_months.revenue_month,
        account_months.company_name,
        account_months.industry,
        coalesce(monthly_documents.invoice_count, 0) as invoice_count,
        coalesce(monthly_documents.credit_note_count, 0) as credit_note_count,
        cast(coalesce(monthly_documents.invoiced_revenue_eur, 0) as decimal(18, 2)) as invoiced_revenue_eur,
        cast(coalesce(monthly_documents.credited_revenue_eur, 0) as decimal(18, 2)) as credited_revenue_eur,
        cast(
            coalesce(monthly_documents.invoiced_revenue_eur, 0)
            - coalesce(monthly_documents.credited_revenue_eur, 0) as decimal(18, 2)
        ) as net_revenue_eur

    from account_months
    left join monthly_documents
        on
            account_months.company_id = monthly_documents.company_id
            and account_months.revenue_month = monthly_documents.revenue_month

)

select * from final
