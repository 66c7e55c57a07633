{#- The role scorecards: one row per rep, period (month and quarter) and result the rep's role is
    judged on (`scorecard_results`), with the period's actual, its target where one is set and
    whether it was met. One long table, as the SLAs are, so which results a role has is
    configuration, not columns. Each actual comes from the intermediate model of its kind of
    result (leads for SDRs, deals for AEs, the book of accounts for CSMs and AMs), which reads
    the mart that defines the metric. -#}
{%- set scorecards = var('scorecard_results') %}
with

reps as (

    select * from {{ ref('int_rep_periods_spined') }}

),

sdr_results as (

    select * from {{ ref('int_sdr_results_computed') }}

),

ae_results as (

    select * from {{ ref('int_ae_results_computed') }}

),

book_results as (

    select * from {{ ref('int_book_results_computed') }}

),

results as (

    select * from sdr_results
    union all
    select * from ae_results
    union all
    select * from book_results

),

configured as (

    {%- for role, role_results in scorecards.items() %}
        {%- set role_loop = loop %}
        {%- for result, spec in role_results.items() %}
            select
                '{{ role }}' as role,  -- noqa: RF04
                '{{ result }}' as result,
                cast({{ 'null' if spec.month is none else spec.month }} as double) as month_target,
                cast({{ 'null' if spec.quarter is none else spec.quarter }} as double)
                    as quarter_target,
                '{{ spec.comparison }}' as comparison
            {{ 'union all' if not (loop.last and role_loop.last) }}
        {%- endfor %}
    {%- endfor %}

),

scored as (

    select
        reps.owner_id,
        reps.full_name,
        reps.role,
        reps.team,
        reps.period_grain,
        reps.period_start,
        reps.period_end,
        results.result,
        case
            when reps.period_grain = 'month' then configured.month_target
            else configured.quarter_target
        end as target,  -- noqa: RF04
        configured.comparison,
        results.actual,
        results.sample_size

    from reps
    inner join results
        on reps.rep_period_id = results.rep_period_id
    inner join configured
        on
            reps.role = configured.role
            and results.result = configured.result

),

final as (

    select
        owner_id || '|' || period_grain || '|' || period_start || '|' || result
            as rep_scorecard_id,
        owner_id,
        full_name as rep_name,
        role,  -- noqa: RF04
        team,
        period_grain,
        period_start,
        period_end,
        period_end <= cast('{{ var("as_of_date") }}' as date) as is_period_complete,
        result,
        target,
        comparison,
        -- An infinite value (a median response time when most MQLs were never touched) has no
        -- number to show; it is judged all the same, and misses a "less than" target.
        case when actual < cast('infinity' as double) then actual end as actual,
        sample_size,
        case
            when actual is null or target is null then null
            when comparison = '>=' then actual >= target
            when comparison = '>' then actual > target
            when comparison = '<=' then actual <= target
            when comparison = '<' then actual < target
        end as is_met

    from scored

)

select * from final
