{#- The five raw health signals of every paying account and week, each scaled 0-100.
    A week runs Monday to Sunday; signals are measured at the end of the week (measured_before,
    the Monday after) over trailing windows ending there. Only complete weeks up to the as-of
    date are scored.

    Cost: joining events to a week spine on a date range compares every event of an
    account with every week of that account (540 s at scale L). Here each user, feature,
    dashboard day and ticket is listed once for every week end whose window covers it (a handful
    for a 30-day window), then counted per account and week end: each track is aggregated once,
    never compared with weeks, and the rest grows with accounts x weeks (scale 20000: 52 s of
    CPU -> 15 s). -#}
{%- set core_features = var('core_features') -%}
{%- set signal_window = var('health_signal_window_days') -%}
{%- set active_window = var('health_active_user_window_days') -%}
{%- set longest_window = [signal_window, active_window] | max -%}
{%- set last_measured_before -%}
    cast(date_trunc('week', cast('{{ var("as_of_date") }}' as date) + interval '1 day') as date)
{%- endset -%}
{#- An incremental build scores the weeks from health_rebuild_from_week() on only. -#}
{%- set rebuild_from_week_end -%}
    {%- if is_incremental() -%}
        cast({{ health_rebuild_from_week() }} + interval '7 day' as date)
    {%- else -%}
        null
    {%- endif -%}
{%- endset -%}
{%- set high_severities = "'" ~ var('health_high_severity_priorities') | join("', '") ~ "'" -%}
{#- The first and last week ends a subscription state covers (paying_state_weeks). -#}
{%- set state_first_week_end -%}
    greatest(
        cast(date_trunc('week', subscription_states.valid_from) + interval '7 day' as date),
        scored_range.first_measured_before
    )
{%- endset -%}
{%- set state_last_week_end -%}
    least(
        coalesce(
            cast(date_trunc('week', subscription_states.valid_to) as date),
            scored_range.last_measured_before
        ),
        scored_range.last_measured_before
    )
{%- endset -%}

-- depends_on: {{ ref('stg_billing__subscription_events') }} (read by health_rebuild_from_week)
with

subscription_states as (

    select * from {{ ref('int_subscription_states_historized') }}

),

workspaces as (

    select * from {{ ref('stg_product__workspaces') }}

),

-- Not materialized, as scored_tracks below: inlined three times, this CTE would otherwise be
-- copied whole into a temporary result first (at scale M: about 24 -> 20 CPU s, peak 1.9 -> 1.1 GB).
tracks as {{ not_materialized() }} (

    select * from {{ ref('stg_product__tracks') }}

),

tickets as (

    select * from {{ ref('stg_success__tickets') }}

),

survey_responses as (

    select * from {{ ref('stg_success__survey_responses') }}

),

-- The week ends scored: from the end of the first week with a subscription (on an incremental
-- build, of the first week it rebuilds) to the end of the last complete week up to the as-of date.
scored_range as (

    select
        -- greatest() skips nulls: a full build starts at the first subscription.
        greatest(
            cast(date_trunc('week', min(valid_from)) + interval '7 day' as date),
            {{ rebuild_from_week_end }}
        ) as first_measured_before,
        {{ last_measured_before }} as last_measured_before

    from subscription_states

),

-- The account is a paying customer at the end of the week; its paid seats are the seats of the
-- subscriptions in force then (at that time's quantities, not today's). A state in force from
-- valid_from (exclusive) to valid_to (inclusive) covers the week ends between them.
paying_state_weeks as (

    select
        subscription_states.company_id,
        subscription_states.seat_quantity,
        {{ date_series(state_first_week_end, state_last_week_end, "interval '7 day'") }}
            as measured_before

    from subscription_states
    cross join scored_range
    where
        subscription_states.is_paid
        and subscription_states.mrr_local > 0
        and subscription_states.valid_from is not null

),

account_weeks as (

    select
        company_id,
        cast(measured_before - interval '7 day' as date) as week_start,
        measured_before,
        sum(seat_quantity) as paid_seats

    from paying_state_weeks
    group by company_id, measured_before

),

-- The tracks that can count at a scored week end, bounded by constants so the scan skips the
-- row groups outside. Read three times below, each with its own filter: not materialized, or
-- DuckDB would first copy them all (tens of millions of rows at scale L).
scored_tracks as {{ not_materialized() }} (

    select *

    from tracks
    where
        occurred_at < {{ last_measured_before }}
        {%- if is_incremental() %}
            and occurred_at >= {{ rebuild_from_week_end }} - interval '{{ longest_window }} day'
        {%- endif %}

),

-- Tracks are first reduced to one row per workspace, user (or core feature) and calendar week
-- with the last active day: a unit active on day d counts at the week ends in (d, d + window],
-- every day of one week shares the first such week end, and the last day reaches furthest.
user_weeks as (

    select
        workspace_id,
        user_id,
        date_trunc('week', occurred_at) as activity_week,
        max(cast(occurred_at as date)) as last_active_on

    from scored_tracks
    where user_id is not null
    group by workspace_id, user_id, date_trunc('week', occurred_at)

),

core_feature_weeks as (

    select
        workspace_id,
        feature_name,
        date_trunc('week', occurred_at) as activity_week,
        max(cast(occurred_at as date)) as last_active_on

    from scored_tracks
    where
        event_name = 'Feature Used'
        and feature_name in ({{ "'" ~ core_features | join("', '") ~ "'" }})
    group by workspace_id, feature_name, date_trunc('week', occurred_at)

),

dashboard_days as (

    select
        workspace_id,
        cast(occurred_at as date) as created_on,
        count(*) as dashboards_created

    from scored_tracks
    where event_name = 'Dashboard Created'
    group by workspace_id, cast(occurred_at as date)

),

-- One row per account, user and week end at which the user counts as active.
active_user_week_ends as (

    select distinct
        workspaces.company_id,
        user_weeks.user_id,
        {{ date_series(
            "user_weeks.activity_week + interval '7 day'",
            "date_trunc('week', user_weeks.last_active_on + interval '" ~ active_window ~ " day')",
            "interval '7 day'",
        ) }} as measured_before

    from user_weeks
    inner join workspaces
        on user_weeks.workspace_id = workspaces.workspace_id

),

core_feature_week_ends as (

    select distinct
        workspaces.company_id,
        core_feature_weeks.feature_name,
        {{ date_series(
            "core_feature_weeks.activity_week + interval '7 day'",
            "date_trunc('week', core_feature_weeks.last_active_on + interval '" ~ signal_window ~ " day')",
            "interval '7 day'",
        ) }} as measured_before

    from core_feature_weeks
    inner join workspaces
        on core_feature_weeks.workspace_id = workspaces.workspace_id

),

dashboard_week_ends as (

    select
        workspaces.company_id,
        dashboard_days.dashboards_created,
        {{ date_series(
            "date_trunc('week', dashboard_days.created_on) + interval '7 day'",
            "date_trunc('week', dashboard_days.created_on + interval '" ~ signal_window ~ " day')",
            "interval '7 day'",
        ) }} as measured_before

    from dashboard_days
    inner join workspaces
        on dashboard_days.workspace_id = workspaces.workspace_id

),

active_users as (

    select
        company_id,
        measured_before,
        count(*) as active_users

    from active_user_week_ends
    group by company_id, measured_before

),

core_features_used as (

    select
        company_id,
        measured_before,
        count(*) as core_features_used

    from core_feature_week_ends
    group by company_id, measured_before

),

dashboards as (

    select
        company_id,
        measured_before,
        sum(dashboards_created) as dashboards_created

    from dashboard_week_ends
    group by company_id, measured_before

),

-- Friction: tickets still open at the end of the week (whatever their age) plus high-severity
-- tickets opened in the window; a high-severity ticket still open counts once. A ticket counts
-- from the first week end after it was opened: while open (until the last week end before it
-- was solved, or the last scored week end) and, if high severity, for the window after.
ticket_spans as (

    select
        tickets.company_id,
        greatest(
            cast(date_trunc('week', tickets.created_at) + interval '7 day' as date),
            scored_range.first_measured_before
        ) as first_measured_before,
        least(
            coalesce(cast(date_trunc('week', tickets.solved_at) as date), scored_range.last_measured_before),
            scored_range.last_measured_before
        ) as open_until,
        case
            when tickets.priority in ({{ high_severities }})
                then cast(date_trunc('week', tickets.created_at + interval '{{ signal_window }} day') as date)
        end as high_severity_until

    from tickets
    cross join scored_range
    where tickets.created_at < scored_range.last_measured_before

),

ticket_week_ends as (

    select
        company_id,
        measured_before,
        measured_before <= open_until as is_open,
        coalesce(measured_before <= high_severity_until, false) as is_high_severity_in_window

    from (
        select
            *,
            -- greatest() skips nulls: a ticket that is not high severity counts while open.
            {{ date_series(
                'first_measured_before', 'greatest(open_until, high_severity_until)', "interval '7 day'"
            ) }} as measured_before

        from ticket_spans
    ) as ticket_weeks

),

friction as (

    select
        company_id,
        measured_before,
        count(case when is_open then 1 end) as open_tickets,
        count(case when is_high_severity_in_window then 1 end) as high_severity_tickets,
        count(*) as friction_tickets

    from ticket_week_ends
    group by company_id, measured_before

),

-- Sentiment: the latest NPS or onboarding CSAT answer before the end of the week, on 0-100.
-- Two answers of one account at the same second (seen at scale M) are settled by the later
-- response id, so a rebuild always picks the same one.
scaled_responses as (

    select {{ distinct_on(['company_id', 'responded_at']) }}
        company_id,
        responded_at,
        survey_type,
        case survey_type
            when 'nps' then score * 10.0
            when 'onboarding_csat' then (score - 1) * 25.0
        end as sentiment_score

    from survey_responses
    {{ distinct_on_order(
        ['company_id', 'responded_at'],
        'company_id asc, responded_at asc, response_id desc',
    ) }}

),

-- The account's last answer before each scored week end (none: never surveyed yet).
latest_response as (

    select {{ distinct_on(['account_weeks.company_id', 'account_weeks.measured_before']) }}
        account_weeks.company_id,
        account_weeks.measured_before,
        scaled_responses.survey_type,
        scaled_responses.sentiment_score

    from account_weeks
    inner join scaled_responses
        on
            account_weeks.company_id = scaled_responses.company_id
            and account_weeks.measured_before > scaled_responses.responded_at
    {{ distinct_on_order(
        ['account_weeks.company_id', 'account_weeks.measured_before'],
        'account_weeks.company_id asc, account_weeks.measured_before asc, '
        ~ 'scaled_responses.responded_at desc',
    ) }}

),

final as (

    select
        account_weeks.company_id || '|' || {{ format_timestamp('account_weeks.week_start', '%Y-%m-%d') }}
            as account_week_id,
        account_weeks.company_id,
        account_weeks.week_start,
        account_weeks.measured_before,
        account_weeks.paid_seats,
        coalesce(active_users.active_users, 0) as active_users,
        coalesce(core_features_used.core_features_used, 0) as core_features_used,
        coalesce(dashboards.dashboards_created, 0) as dashboards_created,
        coalesce(friction.open_tickets, 0) as open_tickets,
        coalesce(friction.high_severity_tickets, 0) as high_severity_tickets,
        coalesce(friction.friction_tickets, 0) as friction_tickets,
        latest_response.survey_type as sentiment_survey,
        -- An account with no paid seat on record scores 0: no seat is being used. (Not
        -- coalesce(least(x / nullif(seats, 0), 1), 0): DuckDB's least() skips nulls and gives 1.)
        case
            when account_weeks.paid_seats > 0
                then 100.0 * least(
                    cast(coalesce(active_users.active_users, 0) as double) / account_weeks.paid_seats, 1
                )
            else 0
        end as seat_activity_score,
        cast(100.0 * coalesce(core_features_used.core_features_used, 0) as double)
        / {{ core_features | length }}
            as feature_breadth_score,
        cast(
            100.0
            * least(coalesce(dashboards.dashboards_created, 0), {{ var('health_depth_dashboards_cap') }})
            as double
        )
        / {{ var('health_depth_dashboards_cap') }} as depth_score,
        100.0 * (
            1 - cast(
                least(coalesce(friction.friction_tickets, 0), {{ var('health_friction_tickets_cap') }})
                as double
            )
            / {{ var('health_friction_tickets_cap') }}
        ) as support_friction_score,
        -- No answer yet: a neutral sentiment rather than a penalty for an unsurveyed account.
        coalesce(latest_response.sentiment_score, {{ var('health_sentiment_default') }})
            as sentiment_score

    from account_weeks
    left join active_users
        on
            account_weeks.company_id = active_users.company_id
            and account_weeks.measured_before = active_users.measured_before
    left join core_features_used
        on
            account_weeks.company_id = core_features_used.company_id
            and account_weeks.measured_before = core_features_used.measured_before
    left join dashboards
        on
            account_weeks.company_id = dashboards.company_id
            and account_weeks.measured_before = dashboards.measured_before
    left join friction
        on
            account_weeks.company_id = friction.company_id
            and account_weeks.measured_before = friction.measured_before
    left join latest_response
        on
            account_weeks.company_id = latest_response.company_id
            and account_weeks.measured_before = latest_response.measured_before

)

select * from final
