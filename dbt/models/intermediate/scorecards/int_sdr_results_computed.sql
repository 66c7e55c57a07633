{#- The SDR / BDR results of each rep and period, read from the lead list (fct_leads) so a
    scorecard and the funnel never disagree. A lead belongs to its CRM owner, the SDR working it.

    - sqls_delivered: the rep's leads that became SQLs in the period;
    - sqls_accepted: the rep's SQLs an AE accepted, that is opened an opportunity on, in the period;
    - sql_to_opportunity_rate: of the SQLs of the period's lead cohort (leads created in the
      period, as the funnel counts), the share that became opportunities by the as-of date;
    - median_response_hours: median hours from MQL to the first SDR touch over the MQLs of the
      period whose response window (`response_sla_hours`) has passed or that were answered; an
      MQL never touched counts as infinitely late (no number when they are the majority). -#}
with

reps as (

    select * from {{ ref('int_rep_periods_spined') }}
    where role = 'SDR'

),

leads as (

    select * from {{ ref('fct_leads') }}

),

-- One row per rep, period and lead with the lead's moments, within the rep's own leads.
rep_leads as (

    select
        reps.rep_period_id,
        leads.lead_id,
        leads.created_at,
        leads.mql_at,
        leads.sql_at,
        leads.opportunity_at,
        leads.response_hours,
        reps.period_start,
        reps.period_end + interval '1 day' as period_end_exclusive

    from reps
    inner join leads
        on reps.owner_id = leads.owner_id

),

counted as (

    select
        reps.rep_period_id,
        count(rep_leads.lead_id) filter (
            where
            rep_leads.sql_at >= rep_leads.period_start
            and rep_leads.sql_at < rep_leads.period_end_exclusive
        ) as sqls_delivered,
        count(rep_leads.lead_id) filter (
            where
            rep_leads.sql_at is not null
            and rep_leads.opportunity_at >= rep_leads.period_start
            and rep_leads.opportunity_at < rep_leads.period_end_exclusive
        ) as sqls_accepted,
        count(rep_leads.lead_id) filter (
            where
            rep_leads.created_at >= rep_leads.period_start
            and rep_leads.created_at < rep_leads.period_end_exclusive
            and rep_leads.sql_at is not null
        ) as cohort_sqls,
        count(rep_leads.lead_id) filter (
            where
            rep_leads.created_at >= rep_leads.period_start
            and rep_leads.created_at < rep_leads.period_end_exclusive
            and rep_leads.sql_at is not null
            and rep_leads.opportunity_at is not null
        ) as cohort_sqls_converted,
        count(rep_leads.lead_id) filter (
            where
            rep_leads.mql_at >= rep_leads.period_start
            and rep_leads.mql_at < rep_leads.period_end_exclusive
            and (
                rep_leads.response_hours is not null
                or rep_leads.mql_at
                <= {{ dbt.dateadd('hour', -var('response_sla_hours'), as_of_end_timestamp()) }}
            )
        ) as mqls_measured,
        {{ median("coalesce(rep_leads.response_hours, cast('infinity' as double))") }} filter (
            where
            rep_leads.mql_at >= rep_leads.period_start
            and rep_leads.mql_at < rep_leads.period_end_exclusive
            and (
                rep_leads.response_hours is not null
                or rep_leads.mql_at
                <= {{ dbt.dateadd('hour', -var('response_sla_hours'), as_of_end_timestamp()) }}
            )
        ) as median_response_hours

    from reps
    left join rep_leads
        on reps.rep_period_id = rep_leads.rep_period_id
    group by reps.rep_period_id

),

results as (

    select
        rep_period_id,
        'sqls_delivered' as result,
        cast(sqls_delivered as double) as actual,
        sqls_delivered as sample_size

    from counted

    union all

    select
        rep_period_id,
        'sqls_accepted' as result,
        cast(sqls_accepted as double) as actual,
        sqls_accepted as sample_size

    from counted

    union all

    select
        rep_period_id,
        'sql_to_opportunity_rate' as result,
        cast(cohort_sqls_converted as double) / nullif(cohort_sqls, 0) as actual,
        cohort_sqls as sample_size

    from counted

    union all

    select
        rep_period_id,
        'median_response_hours' as result,
        median_response_hours as actual,
        mqls_measured as sample_size

    from counted

),

final as (

    select
        rep_period_id || '|' || result as rep_period_result_id,
        rep_period_id,
        result,
        actual,
        sample_size

    from results

)

select * from final
