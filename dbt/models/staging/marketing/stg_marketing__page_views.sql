with

source as (

    select * from {{ source('marketing', 'marketing_page_views') }}

),

renamed as (

    select
        view_id as page_view_id,
        contact_id,
        url as page_url,
        page_category,
        {{ iso_to_utc_timestamp('occurred_at') }} as occurred_at,
        _loaded_at as loaded_at

    from source

)

select * from renamed
