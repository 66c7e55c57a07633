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

-- Each lead once per moment a result counts it at, then once per period grain (macro
-- in_scorecard_periods), so a rep's leads meet only the periods of their own moments.
lead_moments as (

    select
        leads.*,
        'created' as moment,
        leads.created_at as moment_at
    from leads

    union all

    select
        leads.*,
        'mql' as moment,
        leads.mql_at as moment_at
    from leads

    union all

    select
        leads.*,
        'sql' as moment,
        leads.sql_at as moment_at
    from leads

    union all

    select
        leads.*,
        'opportunity' as moment,
        leads.opportunity_at as moment_at
    from leads

),

moment_periods as (

    {{ in_scorecard_periods('lead_moments', 'lead_moments.moment_at') }}

),

-- An MQL is measured once its response window has passed or it was answered.
rep_moments as (

    select
        reps.rep_period_id,
        moment_periods.lead_id,
        moment_periods.moment,
        moment_periods.sql_at is not null as is_sql,
        moment_periods.opportunity_at is not null as is_opportunity,
        moment_periods.moment = 'mql'
        and (
            moment_periods.response_hours is not null
            or moment_periods.mql_at
            <= {{ dbt.dateadd('hour', -var('response_sla_hours'), as_of_end_timestamp()) }}
        ) as is_measured_mql,
        moment_periods.response_hours

    from reps
    inner join moment_periods
        on
            reps.owner_id = moment_periods.owner_id
            and reps.period_grain = moment_periods.period_grain
            and reps.period_start = moment_periods.period_start

),

counted as (

    select
        reps.rep_period_id,
        count(rep_moments.lead_id) filter (where rep_moments.moment = 'sql') as sqls_delivered,
        count(rep_moments.lead_id) filter (
            where rep_moments.moment = 'opportunity' and rep_moments.is_sql
        ) as sqls_accepted,
        count(rep_moments.lead_id) filter (
            where rep_moments.moment = 'created' and rep_moments.is_sql
        ) as cohort_sqls,
        count(rep_moments.lead_id) filter (
            where
            rep_moments.moment = 'created'
            and rep_moments.is_sql
            and rep_moments.is_opportunity
        ) as cohort_sqls_converted,
        count(rep_moments.lead_id) filter (where rep_moments.is_measured_mql) as mqls_measured,
        {{ median("coalesce(rep_moments.response_hours, cast('infinity' as double))") }} filter (
            where rep_moments.is_measured_mql
        ) as median_response_hours

    from reps
    left join rep_moments
        on reps.rep_period_id = rep_moments.rep_period_id
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
