{#- Revenue documents attributed to CRM accounts and converted to EUR: one row per finalised
    invoice and per credit note against one, dated up to the as-of date. -#}
with

invoices as (

    select * from {{ ref('stg_billing__invoices') }}

),

credit_notes as (

    select * from {{ ref('stg_billing__credit_notes') }}

),

customers as (

    select * from {{ ref('stg_billing__customers') }}

),

companies as (

    select * from {{ ref('int_crm_companies_selected') }}

),

fx_rates_daily as (

    select * from {{ ref('int_fx_rates_daily') }}

),

-- Finalised invoices are revenue: paid or open (awaiting payment). Void invoices were cancelled
-- and uncollectible ones written off, so neither counts.
finalised_invoices as (

    select
        invoice_id,
        customer_id,
        currency,
        created_at,
        cast(created_at as date) as invoice_date,
        total,
        coalesce(tax, 0) as tax

    from invoices
    where
        status in ('paid', 'open')
        and cast(created_at as date) <= cast('{{ var("as_of_date") }}' as date)

),

invoice_documents as (

    select
        invoice_id as document_id,
        'invoice' as document_type,
        invoice_id,
        customer_id,
        created_at as document_at,
        invoice_date,
        currency,
        cast(total - tax as decimal(18, 2)) as net_amount

    from finalised_invoices

),

-- A credit note states its amount tax included; the net part is the invoice's net-of-tax share
-- of it. It lowers revenue when issued (past months are not restated) but converts at the rate
-- of its invoice's date, so a full refund cancels the invoice exactly in EUR too.
credit_note_documents as (

    select
        credit_notes.credit_note_id as document_id,
        'credit_note' as document_type,
        credit_notes.invoice_id,
        finalised_invoices.customer_id,
        credit_notes.created_at as document_at,
        finalised_invoices.invoice_date,
        credit_notes.currency,
        -cast(
            round(
                credit_notes.amount
                * (finalised_invoices.total - finalised_invoices.tax)
                / nullif(finalised_invoices.total, 0),
                2
            ) as decimal(18, 2)
        ) as net_amount

    from credit_notes
    inner join finalised_invoices
        on credit_notes.invoice_id = finalised_invoices.invoice_id
    where
        credit_notes.status is distinct from 'void'
        and cast(credit_notes.created_at as date) <= cast('{{ var("as_of_date") }}' as date)

),

documents as (

    select * from invoice_documents
    union all
    select * from credit_note_documents

),

-- Left joins: a document without an account or a rate stays visible and fails the not_null
-- tests instead of silently leaving the revenue.
converted as (

    select
        documents.document_id,
        documents.document_type,
        documents.invoice_id,
        documents.customer_id,
        customers.company_id,
        companies.name as company_name,
        companies.industry,
        documents.document_at,
        cast(documents.document_at as date) as document_date,
        cast(date_trunc('month', documents.document_at) as date) as revenue_month,
        documents.invoice_date,
        documents.currency,
        documents.net_amount,
        fx_rates_daily.rate_to_eur,
        cast(round(documents.net_amount * fx_rates_daily.rate_to_eur, 2) as decimal(18, 2)) as net_amount_eur

    from documents
    left join customers
        on documents.customer_id = customers.customer_id
    left join companies
        on customers.company_id = companies.company_id
    left join fx_rates_daily
        on
            documents.invoice_date = fx_rates_daily.rate_date
            and documents.currency = fx_rates_daily.currency

)

select * from converted
