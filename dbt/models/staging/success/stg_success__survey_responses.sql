with

source as (

    select * from {{ source('success', 'success_survey_responses') }}

),

renamed as (

    select
        id as response_id,
        survey as survey_type,
        company_id,
        contact_id,
        cast(score as integer) as score,
        {{ iso_to_utc_timestamp('responded_at') }} as responded_at,
        _loaded_at as loaded_at

    from source

)

select * from renamed
