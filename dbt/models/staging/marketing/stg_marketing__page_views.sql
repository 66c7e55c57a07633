with

source as (

    select * from {{ source('marketing', 'marketing_page_views') }}
    {{- loaded_since_last_build() }}

),

renamed as (

    select
        view_id as page_view_id,
        contact_id,
        url as page_url,
        page_category,
        {{ iso_to_utc_timestamp('occurred_at') }} as occurred_at,
        _landing_date as landing_date,
        _loaded_at as loaded_at

    from source

)

select * from renamed
