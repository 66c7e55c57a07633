with

source as (

    select * from {{ source('billing', 'billing_credit_notes') }}

),

renamed as (

    select
        id as credit_note_id,
        invoice as invoice_id,
        customer as customer_id,
        {{ minor_units_to_amount('amount') }} as amount,
        upper(currency) as currency,
        {{ epoch_to_utc_timestamp('created') }} as created_at,
        reason,
        status,
        _loaded_at as loaded_at

    from source

)

select * from renamed
