with

source as (

    select * from {{ source('marketing', 'marketing_campaign_spend') }}

),

renamed as (

    select
        campaign_id,
        cast(month || '-01' as date) as spend_month,
        cast(spend as decimal(18, 2)) as spend,
        upper(currency) as currency,
        _loaded_at as loaded_at

    from source

)

select * from renamed
