with

source as (

    select * from {{ source('product', 'product_tracks') }}
    {{- loaded_since_last_build() }}

),

renamed as (

    select
        message_id as event_id,
        event as event_name,
        user_id,
        workspace_id,
        feature_name,
        -- Parquet keeps its own timestamp type; epoch microseconds read back as a naive timestamp
        -- give UTC whether the file stored a zoned or a naive UTC timestamp. The column is
        -- named `timestamp`: quoted so it reads as a column, not the type.
        {{ utc_timestamp(adapter.quote('timestamp')) }} as occurred_at,  -- noqa: RF06
        {{ utc_timestamp("received_at") }} as received_at,
        _landing_date as landing_date,
        _loaded_at as loaded_at

    from source

)

select * from renamed
