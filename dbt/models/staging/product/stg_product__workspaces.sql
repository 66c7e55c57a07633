with

source as (

    select * from {{ source('product', 'product_workspaces') }}

),

renamed as (

    select
        workspace_id,
        crm_company_id as company_id,
        name as workspace_name,
        plan,
        cast(seats_paid as integer) as seats_paid,
        {{ iso_to_utc_timestamp('created_at') }} as created_at,
        _loaded_at as loaded_at

    from source

)

select * from renamed
