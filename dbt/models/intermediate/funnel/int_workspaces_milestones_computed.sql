{#- Product milestones of each workspace, attributed to the lead who signed it up.

    - Sign-up: the workspace's first `Signed Up` event (its creation time when no such event was
      tracked); the signing-up user's CRM contact is the workspace's lead.
    - PQL (funnel_pql doc): the first use of the `pql_feature_count`-th distinct core feature.
    - Activation (funnel_activation doc): the `activation_dashboards`-th dashboard created within
      `activation_window_days` calendar days of the sign-up day. The sign-up day is day 0, so with a
      window of N days a dashboard created any time on day N counts and one on day N + 1
      does not. -#}
with

workspaces as (

    select * from {{ ref('stg_product__workspaces') }}

),

users as (

    select * from {{ ref('stg_product__users') }}

),

-- Not materialized: read twice (sign-ups, dashboards), each with its own filter; DuckDB would
-- otherwise copy every track into a temporary result first (at scale M: 1.1 -> 0.6 CPU s).
tracks as {{ not_materialized() }} (

    select * from {{ ref('stg_product__tracks') }}

),

features as (

    select * from {{ ref('int_workspace_features_ranked') }}

),

sign_ups as (

    select
        workspace_id,
        min(occurred_at) as signed_up_at,
        {{ arg_min('user_id', 'occurred_at') }} as signed_up_user_id

    from tracks
    where
        event_name = 'Signed Up'
        and occurred_at < {{ as_of_end_timestamp() }}
    group by workspace_id

),

dashboards as (

    select
        workspace_id,
        occurred_at as created_at,
        event_id,
        row_number() over (partition by workspace_id order by occurred_at, event_id)
            as dashboard_number

    from tracks
    where
        event_name = 'Dashboard Created'
        and occurred_at < {{ as_of_end_timestamp() }}

),

pqls as (

    select
        workspace_id,
        first_used_at as pql_at,
        first_use_event_id as pql_event_id

    from features
    where feature_rank = {{ var('pql_feature_count') }}

),

joined as (

    select
        workspaces.workspace_id,
        workspaces.company_id,
        coalesce(sign_ups.signed_up_at, workspaces.created_at) as signed_up_at,
        sign_ups.signed_up_user_id,
        users.contact_id as lead_id,
        pqls.pql_at,
        pqls.pql_event_id,
        dashboards.created_at as nth_dashboard_at,
        dashboards.event_id as nth_dashboard_event_id,
        {{ date_diff(
            'day',
            'cast(coalesce(sign_ups.signed_up_at, workspaces.created_at) as date)',
            'cast(dashboards.created_at as date)',
        ) }} as nth_dashboard_day

    from workspaces
    left join sign_ups
        on workspaces.workspace_id = sign_ups.workspace_id
    left join users
        on sign_ups.signed_up_user_id = users.user_id
    left join pqls
        on workspaces.workspace_id = pqls.workspace_id
    left join dashboards
        on
            workspaces.workspace_id = dashboards.workspace_id
            and dashboards.dashboard_number = {{ var('activation_dashboards') }}
    where workspaces.created_at < {{ as_of_end_timestamp() }}

),

final as (

    select
        workspace_id,
        company_id,
        signed_up_at,
        signed_up_user_id,
        lead_id,
        pql_at,
        pql_event_id,
        case
            when nth_dashboard_day <= {{ var('activation_window_days') }} then nth_dashboard_at
        end as activated_at,
        case
            when nth_dashboard_day <= {{ var('activation_window_days') }}
                then nth_dashboard_event_id
        end as activation_event_id,
        case
            when nth_dashboard_day <= {{ var('activation_window_days') }} then nth_dashboard_day
        end as time_to_value_days

    from joined

)

select * from final
