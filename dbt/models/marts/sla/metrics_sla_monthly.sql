{#- The inter-team SLAs (marketing, sales, customer success): one row per month, team and SLA
    with its target, the month's actual value and whether it was met. Targets come from vars; each actual reads the
    mart that defines the metric, so an SLA and its metric never disagree. -#}
with

leads as (

    select * from {{ ref('fct_leads') }}

),

funnel_monthly as (

    select * from {{ ref('metrics_funnel_monthly') }}

),

revenue_monthly as (

    select * from {{ ref('metrics_revenue_monthly') }}

),

surveys_monthly as (

    select * from {{ ref('int_survey_responses_aggregated') }}

),

months as (

    {{ month_starts('funnel_monthly', 'cohort_month') }}

),

-- Marketing: SQLs delivered to sales in the month (by the month of the SQL moment).
sqls_delivered as (

    select
        cast(date_trunc('month', sql_at) as date) as month_start,
        count(*) as sqls

    from leads
    where sql_at is not null
    group by 1

),

-- Sales: median hours from hand-off (MQL) to the first SDR touch, over the month's MQLs whose
-- SLA window has passed; an MQL never touched counts as an infinitely late answer.
response_times as (

    select
        cast(date_trunc('month', mql_at) as date) as month_start,
        count(*) as mqls,
        {{ median("coalesce(response_hours, cast('infinity' as double))") }} as median_response_hours

    from leads
    where
        mql_at is not null
        and (
            response_hours is not null
            or mql_at <= {{ as_of_end_timestamp() }} - interval '{{ var('response_sla_hours') }} hour'
        )
    group by 1

),

slas as (

    select
        months.month_start,
        'marketing' as team,
        'sqls_delivered' as sla,
        'SQLs delivered to sales in the month' as sla_label,
        cast({{ var('sla_marketing_sqls_per_month') }} as double) as target,  -- noqa: RF04
        '>=' as comparison,
        cast(coalesce(sqls_delivered.sqls, 0) as double) as actual,
        coalesce(sqls_delivered.sqls, 0) as sample_size

    from months
    left join sqls_delivered
        on months.month_start = sqls_delivered.month_start

    union all

    select
        months.month_start,
        'sales' as team,
        'lead_response_hours' as sla,
        'Median hours from MQL hand-off to first SDR touch' as sla_label,
        cast({{ var('response_sla_hours') }} as double) as target,  -- noqa: RF04
        '<' as comparison,
        response_times.median_response_hours as actual,
        coalesce(response_times.mqls, 0) as sample_size

    from months
    left join response_times
        on months.month_start = response_times.month_start

    union all

    select
        months.month_start,
        'sales' as team,
        'sql_to_opportunity_rate' as sla,
        'SQL -> opportunity conversion of the month''s lead cohort' as sla_label,
        cast({{ var('sql_to_opportunity_target') }} as double) as target,  -- noqa: RF04
        '>=' as comparison,
        funnel_monthly.sql_to_opportunity_rate as actual,
        coalesce(funnel_monthly.sqls, 0) as sample_size

    from months
    left join funnel_monthly
        on
            months.month_start = funnel_monthly.cohort_month
            and funnel_monthly.channel = 'all'

    union all

    select
        months.month_start,
        'customer_success' as team,
        'nrr' as sla,
        'Net revenue retention, trailing window' as sla_label,
        cast({{ var('nrr_sla_target') }} as double) as target,  -- noqa: RF04
        '>' as comparison,
        revenue_monthly.nrr as actual,
        coalesce(revenue_monthly.nrr_base_customers, 0) as sample_size

    from months
    left join revenue_monthly
        on months.month_start = revenue_monthly.month_start

    union all

    select
        months.month_start,
        'customer_success' as team,
        'onboarding_csat' as sla,
        'Average onboarding CSAT (1-5) of the month''s answers' as sla_label,
        cast({{ var('sla_onboarding_csat_min') }} as double) as target,  -- noqa: RF04
        '>' as comparison,
        surveys_monthly.average_score as actual,
        coalesce(surveys_monthly.responses, 0) as sample_size

    from months
    left join surveys_monthly
        on
            months.month_start = surveys_monthly.month_start
            and surveys_monthly.survey_type = 'onboarding_csat'

),

final as (

    select
        sla || '|' || {{ format_timestamp('month_start', '%Y-%m') }} as sla_month_id,
        month_start,
        team,
        sla,
        sla_label,
        target,
        comparison,
        -- An infinite median (most MQLs never touched) has no number to show; it is missed.
        case when abs(actual) = cast('infinity' as double) then null else actual end as actual,
        sample_size,
        case
            when actual is null then null
            when comparison = '>=' then actual >= target
            when comparison = '>' then actual > target
            when comparison = '<' then actual < target
        end as is_met,
        {{ month_last_day('month_start') }} <= cast('{{ var("as_of_date") }}' as date) as is_month_complete

    from slas

)

select * from final
