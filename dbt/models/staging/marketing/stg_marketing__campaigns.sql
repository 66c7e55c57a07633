with

source as (

    select * from {{ source('marketing', 'marketing_campaigns') }}

),

renamed as (

    select
        campaign_id,
        name as campaign_name,
        channel,
        cast(start_date as date) as start_date,
        -- An always-on campaign exports an empty end date.
        cast(nullif(end_date, '') as date) as end_date,
        _loaded_at as loaded_at

    from source

)

select * from renamed
