with

source as (

    select * from {{ source('product', 'product_users') }}

),

renamed as (

    select
        user_id,
        workspace_id,
        crm_contact_id as contact_id,
        {{ iso_to_utc_timestamp('created_at') }} as created_at,
        _loaded_at as loaded_at

    from source

)

select * from renamed
