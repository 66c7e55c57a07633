with

source as (

    select * from {{ source('billing', 'billing_customers') }}

),

renamed as (

    select
        id as customer_id,
        -- The CRM company the customer bills: Stripe metadata names it by the CRM's id.
        {% if var('crm_source') == 'salesforce' -%}
            {{ json_text('metadata', ['salesforce_account_id']) }}
        {%- else -%}
            {{ json_text('metadata', ['hubspot_company_id']) }}
        {%- endif %} as company_id,
        email,
        upper(currency) as currency,
        {{ epoch_to_utc_timestamp('created') }} as created_at,
        _loaded_at as loaded_at

    from source

)

select * from renamed
