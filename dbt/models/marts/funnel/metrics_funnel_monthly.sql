{#- The lead funnel by cohort month (the month the lead was created) and channel, plus one row per
    month with channel = 'all' for the whole funnel. Every rate follows a cohort: of this month's
    leads that reached a stage, the share that reached the next one by the as-of date, so each
    numerator is a subset of its denominator and recent cohorts are still maturing. -#}
with

leads as (

    select * from {{ ref('fct_leads') }}

),

measured as (

    select
        *,
        {{ date_diff('second', 'created_at', 'mql_at') }} / cast(86400 as double) as days_lead_to_mql,
        {{ date_diff('second', 'mql_at', 'sql_at') }} / cast(86400 as double) as days_mql_to_sql,
        {{ date_diff('second', 'sql_at', 'opportunity_at') }} / cast(86400 as double)
            as days_sql_to_opportunity,
        {{ date_diff('second', 'opportunity_at', 'customer_at') }} / cast(86400 as double)
            as days_opportunity_to_customer,
        -- An MQL can only have missed a response window that has fully elapsed by the as-of date.
        mql_at <= {{ as_of_end_timestamp() }} - interval '{{ var('response_sla_hours') }} hour'
            as is_sla_window_elapsed,
        mql_at
        <= {{ as_of_end_timestamp() }} - interval '{{ var('response_share_window_hours') }} hour'
            as is_share_window_elapsed

    from leads

),

aggregated as (

    select
        cohort_month,
        coalesce(channel, 'all') as channel,
        count(*) as leads,
        count(mql_at) as mqls,
        count(sql_at) as sqls,
        count(pql_at) as pqls,
        count(activated_at) as activated_leads,
        count(opportunity_at) as opportunities,
        count(customer_at) as customers,
        count(*) filter (where mql_at is not null and sql_at is not null) as mqls_converted_to_sql,
        count(*) filter (where sql_at is not null and opportunity_at is not null)
            as sqls_converted_to_opportunity,
        count(*) filter (where opportunity_at is not null and customer_at is not null)
            as opportunities_won,
        {{ median('days_lead_to_mql') }} as median_days_lead_to_mql,
        {{ median('days_mql_to_sql') }} as median_days_mql_to_sql,
        {{ median('days_sql_to_opportunity') }} as median_days_sql_to_opportunity,
        {{ median('days_opportunity_to_customer') }} as median_days_opportunity_to_customer,
        {{ median('response_hours') }} as median_response_hours,
        count(*) filter (where is_sla_window_elapsed) as mqls_past_sla_window,
        count(*) filter (
            where is_sla_window_elapsed and response_hours < {{ var('response_sla_hours') }}
        ) as mqls_responded_within_sla,
        count(*) filter (where is_share_window_elapsed) as mqls_past_share_window,
        count(*) filter (
            where is_share_window_elapsed
            and response_hours <= {{ var('response_share_window_hours') }}
        ) as mqls_responded_within_share_window,
        count(*) filter (where first_deal_origin = 'marketing') as opportunities_from_marketing,
        count(*) filter (where first_deal_origin = 'outbound') as opportunities_from_outbound,
        count(*) filter (where first_deal_origin = 'referral') as opportunities_from_referral

    from measured
    group by grouping sets ((cohort_month, channel), (cohort_month))

),

final as (

    select
        cohort_month || ':' || channel as funnel_month_channel_id,
        cohort_month,
        channel,
        leads,
        mqls,
        sqls,
        pqls,
        activated_leads,
        opportunities,
        customers,
        mqls_converted_to_sql,
        sqls_converted_to_opportunity,
        opportunities_won,
        cast(mqls as double) / nullif(leads, 0) as lead_to_mql_rate,
        cast(mqls_converted_to_sql as double) / nullif(mqls, 0) as mql_to_sql_rate,
        cast(sqls_converted_to_opportunity as double) / nullif(sqls, 0) as sql_to_opportunity_rate,
        cast(opportunities_won as double) / nullif(opportunities, 0) as opportunity_to_won_rate,
        {{ var('sql_to_opportunity_target') }} as sql_to_opportunity_target,
        cast(sqls_converted_to_opportunity as double) / nullif(sqls, 0)
        >= {{ var('sql_to_opportunity_target') }}
            as is_sql_to_opportunity_target_met,
        median_days_lead_to_mql,
        median_days_mql_to_sql,
        median_days_sql_to_opportunity,
        median_days_opportunity_to_customer,
        median_response_hours,
        cast(mqls_responded_within_sla as double) / nullif(mqls_past_sla_window, 0)
            as response_within_sla_share,
        cast(mqls_responded_within_share_window as double) / nullif(mqls_past_share_window, 0)
            as response_within_24h_share,
        opportunities_from_marketing,
        opportunities_from_outbound,
        opportunities_from_referral

    from aggregated

)

select * from final
