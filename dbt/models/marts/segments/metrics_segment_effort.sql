{#- Commercial effort per ABC segment against the planned allocation (the share of sales time
    each segment should get, var segment_planned_effort). Effort is measured by CRM
    activities over the trailing segment_window_months months; accounts are in their current
    segment. -#}
{%- set planned = var('segment_planned_effort') -%}

with

account_segments as (

    select * from {{ ref('fct_account_segments') }}

),

account_engagements as (

    select * from {{ ref('int_account_engagements_summed') }}

),

segments as (

    select
        segment,
        planned_effort_share

    -- The alias names the columns of the values list (sqlfluff reads it as unused).
    from (
        values {% for segment, share in planned.items() -%}
            ('{{ segment }}', {{ share }}){{ ',' if not loop.last }}
        {% endfor -%}
    ) as planned_effort (segment, planned_effort_share)  -- noqa: AL05

),

accounts_per_segment as (

    select
        segment,
        count(*) as accounts,
        count(case when is_customer then 1 end) as customer_accounts,
        sum(trailing_revenue_eur) as trailing_revenue_eur

    from account_segments
    group by segment

),

effort_per_segment as (

    select
        account_segments.segment,
        count(distinct account_engagements.company_id) as worked_accounts,
        count(distinct account_engagements.owner_id) as reps,
        sum(account_engagements.activities) as activities,
        sum(account_engagements.calls) as calls,
        sum(account_engagements.emails) as emails,
        sum(account_engagements.meetings) as meetings

    from account_engagements
    inner join account_segments
        on account_engagements.company_id = account_segments.company_id
    group by account_segments.segment

),

final as (

    select
        segments.segment,
        coalesce(accounts_per_segment.accounts, 0) as accounts,
        coalesce(accounts_per_segment.customer_accounts, 0) as customer_accounts,
        coalesce(accounts_per_segment.trailing_revenue_eur, 0) as trailing_revenue_eur,
        coalesce(effort_per_segment.worked_accounts, 0) as worked_accounts,
        coalesce(effort_per_segment.reps, 0) as reps,
        coalesce(effort_per_segment.activities, 0) as activities,
        coalesce(effort_per_segment.calls, 0) as calls,
        coalesce(effort_per_segment.emails, 0) as emails,
        coalesce(effort_per_segment.meetings, 0) as meetings,
        cast(effort_per_segment.activities as double) / nullif(accounts_per_segment.accounts, 0)
            as activities_per_account,
        cast(effort_per_segment.activities as double) / nullif(effort_per_segment.reps, 0)
            as activities_per_rep,
        cast(coalesce(effort_per_segment.activities, 0) as double)
        / nullif(sum(coalesce(effort_per_segment.activities, 0)) over (), 0) as actual_effort_share,
        segments.planned_effort_share,
        cast(coalesce(effort_per_segment.activities, 0) as double)
        / nullif(sum(coalesce(effort_per_segment.activities, 0)) over (), 0)
        - segments.planned_effort_share as effort_share_gap

    from segments
    left join accounts_per_segment
        on segments.segment = accounts_per_segment.segment
    left join effort_per_segment
        on segments.segment = effort_per_segment.segment

)

select * from final
