with

source as (

    select * from {{ source('marketing', 'marketing_email_events') }}

),

renamed as (

    select
        event_id as email_event_id,
        campaign_id,
        contact_id,
        event_type,
        {{ iso_to_utc_timestamp('occurred_at') }} as occurred_at,
        _loaded_at as loaded_at

    from source

)

select * from renamed
