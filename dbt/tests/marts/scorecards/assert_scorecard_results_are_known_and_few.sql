{#- The scorecard configuration (`scorecard_results`) names, per role, at most seven results, each
    one the role's reps have: a misspelt or misplaced result would silently leave the scorecard.
    Roles without a rep in the CRM are not checked (nothing computes their results). -#}
{%- set scorecards = var('scorecard_results') %}
with

reps as (

    select * from {{ ref('int_rep_periods_spined') }}

),

results as (

    select
        rep_period_id,
        result
    from {{ ref('int_sdr_results_computed') }}
    union all
    select
        rep_period_id,
        result
    from {{ ref('int_ae_results_computed') }}
    union all
    select
        rep_period_id,
        result
    from {{ ref('int_book_results_computed') }}

),

computed as (

    select distinct
        reps.role,
        results.result

    from reps
    inner join results
        on reps.rep_period_id = results.rep_period_id

),

configured as (

    {%- for role, role_results in scorecards.items() %}
        {%- set role_loop = loop %}
        {%- for result in role_results %}
            select
                '{{ role }}' as role,  -- noqa: RF04
                '{{ result }}' as result
            {{ 'union all' if not (loop.last and role_loop.last) }}
        {%- endfor %}
    {%- endfor %}

),

unknown_results as (

    select
        configured.role,
        'result ' || configured.result || ' is not computed for this role' as problem

    from configured
    where
        configured.role in (select reps.role from reps)
        and not exists (
            select 1 from computed
            where computed.role = configured.role and computed.result = configured.result
        )

),

crowded_roles as (

    select
        role,
        count(*) || ' results configured, at most 7' as problem

    from configured
    group by role
    having count(*) > 7

)

select * from unknown_results
union all
select * from crowded_roles
