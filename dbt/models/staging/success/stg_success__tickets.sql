with

source as (

    select * from {{ source('success', 'success_tickets') }}

),

renamed as (

    select
        id as ticket_id,
        organization_id as company_id,
        requester_id as contact_id,
        priority,
        status,
        subject,
        {{ iso_to_utc_timestamp('created_at') }} as created_at,
        {{ iso_to_utc_timestamp('updated_at') }} as updated_at,
        {{ iso_to_utc_timestamp('solved_at') }} as solved_at,
        _loaded_at as loaded_at

    from source

)

select * from renamed
