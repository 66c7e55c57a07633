with

source as (

    select * from {{ source('billing', 'billing_invoices') }}

),

unnested as (

    select
        invoice_line.value ->> 'id' as invoice_line_id,
        source.id as invoice_id,
        source.subscription as subscription_id,
        invoice_line.value ->> 'type' as line_type,
        {{ minor_units_to_amount("invoice_line.value ->> 'amount'") }} as amount,
        upper(invoice_line.value ->> 'currency') as currency,
        invoice_line.value ->> 'description' as description,
        cast(invoice_line.value ->> 'proration' as boolean) as is_proration,
        cast(invoice_line.value ->> 'quantity' as integer) as quantity,
        invoice_line.value -> 'price' ->> 'id' as price_id,
        {{ epoch_to_utc_timestamp("invoice_line.value -> 'period' ->> 'start'") }} as period_start_at,
        {{ epoch_to_utc_timestamp("invoice_line.value -> 'period' ->> 'end'") }} as period_end_at

    from source
    cross join {{ json_array_rows("source.lines -> 'data'") }} as invoice_line

)

select * from unnested
