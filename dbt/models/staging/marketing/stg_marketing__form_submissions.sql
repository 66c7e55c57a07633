with

source as (

    select * from {{ source('marketing', 'marketing_form_submissions') }}
    {{- loaded_since_last_build() }}

),

renamed as (

    select
        submission_id as form_submission_id,
        contact_id,
        form_type,
        page_url,
        {{ iso_to_utc_timestamp('submitted_at') }} as submitted_at,
        _landing_date as landing_date,
        _loaded_at as loaded_at

    from source

)

select * from renamed
