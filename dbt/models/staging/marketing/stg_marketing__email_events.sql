with

source as (

    select * from {{ source('marketing', 'marketing_email_events') }}
    {{- loaded_since_last_build() }}

),

renamed as (

    select
        event_id as email_event_id,
        campaign_id,
        contact_id,
        event_type,
        {{ iso_to_utc_timestamp('occurred_at') }} as occurred_at,
        _landing_date as landing_date,
        _loaded_at as loaded_at

    from source

)

select * from renamed
