with

source as (

    select * from {{ source('billing', 'billing_invoices') }}
    {{- loaded_since_last_build() }}

),

unnested as (

    select
        {{ json_text('invoice_line.value', ['id']) }} as invoice_line_id,
        source.id as invoice_id,
        source.subscription as subscription_id,
        {{ json_text('invoice_line.value', ['type']) }} as line_type,
        {{ minor_units_to_amount(json_text('invoice_line.value', ['amount'])) }} as amount,
        upper({{ json_text('invoice_line.value', ['currency']) }}) as currency,
        {{ json_text('invoice_line.value', ['description']) }} as description,
        cast({{ json_text('invoice_line.value', ['proration']) }} as boolean) as is_proration,
        cast({{ json_text('invoice_line.value', ['quantity']) }} as integer) as quantity,
        {{ json_text('invoice_line.value', ['price', 'id']) }} as price_id,
        {{ epoch_to_utc_timestamp(json_text('invoice_line.value', ['period', 'start'])) }} as period_start_at,
        {{ epoch_to_utc_timestamp(json_text('invoice_line.value', ['period', 'end'])) }} as period_end_at,
        source._landing_date as landing_date,
        source._loaded_at as loaded_at

    from source
    cross join {{ json_array_rows(json_value('source.lines', ['data'])) }} as invoice_line

)

select * from unnested
