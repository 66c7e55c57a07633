{#- Customer-success survey results per month (of the answer) and survey: the onboarding CSAT
    average behind the CS SLA, and NPS = % promoters - % detractors (vars nps_promoter_min and
    nps_detractor_max). Answers after the as-of date are ignored. -#}
with

survey_responses as (

    select * from {{ ref('stg_success__survey_responses') }}

),

dated as (

    select
        cast(date_trunc('month', responded_at) as date) as month_start,
        survey_type,
        score

    from survey_responses
    where responded_at < {{ as_of_end_timestamp() }}

),

final as (

    select
        survey_type || '|' || {{ format_timestamp('month_start', '%Y-%m') }} as survey_month_id,
        month_start,
        survey_type,
        count(*) as responses,
        avg(score) as average_score,
        count(case when survey_type = 'nps' and score >= {{ var('nps_promoter_min') }} then 1 end)
            as promoters,
        count(case when survey_type = 'nps' and score <= {{ var('nps_detractor_max') }} then 1 end)
            as detractors,
        case
            when survey_type = 'nps'
                then cast(100.0 * (
                    count(case when score >= {{ var('nps_promoter_min') }} then 1 end)
                    - count(case when score <= {{ var('nps_detractor_max') }} then 1 end)
                ) as double) / count(*)
        end as nps

    from dated
    group by month_start, survey_type

)

select * from final
