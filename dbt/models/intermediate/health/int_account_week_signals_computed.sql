{#- The five raw health signals of every paying account and week, each scaled 0-100.
    A week runs Monday to Sunday; signals are measured at the end of the week (measured_before,
    the Monday after) over trailing windows ending there. Only complete weeks up to the as-of
    date are scored. -#}
{%- set core_features = var('core_features') -%}
{%- set signal_window = var('health_signal_window_days') -%}
{%- set active_window = var('health_active_user_window_days') -%}
{%- set high_severities = "'" ~ var('health_high_severity_priorities') | join("', '") ~ "'" -%}

with

subscription_states as (

    select * from {{ ref('int_subscription_states_historized') }}

),

workspaces as (

    select * from {{ ref('stg_product__workspaces') }}

),

tracks as (

    select * from {{ ref('stg_product__tracks') }}

),

tickets as (

    select * from {{ ref('stg_success__tickets') }}

),

survey_responses as (

    select * from {{ ref('stg_success__survey_responses') }}

),

weeks as (

    select
        cast(week_start as date) as week_start,
        cast(week_start + interval 7 day as date) as measured_before

    from (
        select unnest(generate_series(first_week, last_week, interval 7 day)) as week_start
        from (
            select
                date_trunc('week', min(valid_from)) as first_week,
                date_trunc('week', cast('{{ var("as_of_date") }}' as date) + interval 1 day)
                - interval 7 day as last_week

            from subscription_states
        )
    )

),

-- The account is a paying customer at the end of the week; its paid seats are the seats of the
-- subscriptions in force then (at that time's quantities, not today's).
account_weeks as (

    select
        subscription_states.company_id,
        weeks.week_start,
        weeks.measured_before,
        sum(subscription_states.seat_quantity) as paid_seats

    from weeks
    inner join subscription_states
        on
            weeks.measured_before > subscription_states.valid_from
            and (
                subscription_states.valid_to is null
                or weeks.measured_before <= subscription_states.valid_to
            )
    where subscription_states.is_paid and subscription_states.mrr_local > 0
    group by subscription_states.company_id, weeks.week_start, weeks.measured_before

),

account_tracks as (

    select
        workspaces.company_id,
        tracks.user_id,
        tracks.event_name,
        tracks.feature_name,
        cast(tracks.occurred_at as date) as activity_date

    from tracks
    inner join workspaces
        on tracks.workspace_id = workspaces.workspace_id

),

-- Pre-aggregated to one row per account, day and user (or feature) before the window joins.
active_user_days as (

    select distinct
        company_id,
        activity_date,
        user_id
    from account_tracks

),

core_feature_days as (

    select distinct
        company_id,
        activity_date,
        feature_name
    from account_tracks
    where
        event_name = 'Feature Used'
        and feature_name in ({{ "'" ~ core_features | join("', '") ~ "'" }})

),

dashboard_days as (

    select
        company_id,
        activity_date,
        count(*) as dashboards_created
    from account_tracks
    where event_name = 'Dashboard Created'
    group by company_id, activity_date

),

active_users as (

    select
        account_weeks.company_id,
        account_weeks.week_start,
        count(distinct active_user_days.user_id) as active_users

    from account_weeks
    inner join active_user_days
        on
            account_weeks.company_id = active_user_days.company_id
            and active_user_days.activity_date
            >= account_weeks.measured_before - interval {{ active_window }} day
            and account_weeks.measured_before > active_user_days.activity_date
    group by account_weeks.company_id, account_weeks.week_start

),

core_features_used as (

    select
        account_weeks.company_id,
        account_weeks.week_start,
        count(distinct core_feature_days.feature_name) as core_features_used

    from account_weeks
    inner join core_feature_days
        on
            account_weeks.company_id = core_feature_days.company_id
            and core_feature_days.activity_date
            >= account_weeks.measured_before - interval {{ signal_window }} day
            and account_weeks.measured_before > core_feature_days.activity_date
    group by account_weeks.company_id, account_weeks.week_start

),

dashboards as (

    select
        account_weeks.company_id,
        account_weeks.week_start,
        sum(dashboard_days.dashboards_created) as dashboards_created

    from account_weeks
    inner join dashboard_days
        on
            account_weeks.company_id = dashboard_days.company_id
            and dashboard_days.activity_date
            >= account_weeks.measured_before - interval {{ signal_window }} day
            and account_weeks.measured_before > dashboard_days.activity_date
    group by account_weeks.company_id, account_weeks.week_start

),

-- Friction: tickets still open at the end of the week (whatever their age) plus high-severity
-- tickets opened in the window; a high-severity ticket still open counts once.
friction as (

    select
        account_weeks.company_id,
        account_weeks.week_start,
        count(
            case
                when tickets.solved_at is null or tickets.solved_at >= account_weeks.measured_before
                    then 1
            end
        ) as open_tickets,
        count(
            case
                when
                    tickets.priority in ({{ high_severities }})
                    and tickets.created_at >= account_weeks.measured_before - interval {{ signal_window }} day
                    then 1
            end
        ) as high_severity_tickets,
        count(
            case
                when
                    tickets.solved_at is null
                    or tickets.solved_at >= account_weeks.measured_before
                    or (
                        tickets.priority in ({{ high_severities }})
                        and tickets.created_at
                        >= account_weeks.measured_before - interval {{ signal_window }} day
                    )
                    then 1
            end
        ) as friction_tickets

    from account_weeks
    inner join tickets
        on
            account_weeks.company_id = tickets.company_id
            and account_weeks.measured_before > tickets.created_at
    group by account_weeks.company_id, account_weeks.week_start

),

-- Sentiment: the latest NPS or onboarding CSAT answer before the end of the week, on 0-100.
scaled_responses as (

    select
        company_id,
        responded_at,
        survey_type,
        case survey_type
            when 'nps' then score * 10.0
            when 'onboarding_csat' then (score - 1) * 25.0
        end as sentiment_score

    from survey_responses

),

latest_sentiment as (

    select
        account_weeks.company_id,
        account_weeks.week_start,
        arg_max(scaled_responses.sentiment_score, scaled_responses.responded_at) as sentiment_score,
        arg_max(scaled_responses.survey_type, scaled_responses.responded_at) as sentiment_survey

    from account_weeks
    inner join scaled_responses
        on
            account_weeks.company_id = scaled_responses.company_id
            and account_weeks.measured_before > scaled_responses.responded_at
    group by account_weeks.company_id, account_weeks.week_start

),

final as (

    select
        account_weeks.company_id || '|' || strftime(account_weeks.week_start, '%Y-%m-%d')
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
        latest_sentiment.sentiment_survey,
        -- An account with no paid seat on record scores 0: no seat is being used. (Not
        -- coalesce(least(x / nullif(seats, 0), 1), 0): DuckDB's least() skips nulls and gives 1.)
        case
            when account_weeks.paid_seats > 0
                then 100.0 * least(coalesce(active_users.active_users, 0) / account_weeks.paid_seats, 1)
            else 0
        end as seat_activity_score,
        100.0 * coalesce(core_features_used.core_features_used, 0) / {{ core_features | length }}
            as feature_breadth_score,
        100.0 * least(coalesce(dashboards.dashboards_created, 0), {{ var('health_depth_dashboards_cap') }})
        / {{ var('health_depth_dashboards_cap') }} as depth_score,
        100.0 * (
            1 - least(coalesce(friction.friction_tickets, 0), {{ var('health_friction_tickets_cap') }})
            / {{ var('health_friction_tickets_cap') }}
        ) as support_friction_score,
        -- No answer yet: a neutral sentiment rather than a penalty for an unsurveyed account.
        coalesce(latest_sentiment.sentiment_score, {{ var('health_sentiment_default') }})
            as sentiment_score

    from account_weeks
    left join active_users
        on
            account_weeks.company_id = active_users.company_id
            and account_weeks.week_start = active_users.week_start
    left join core_features_used
        on
            account_weeks.company_id = core_features_used.company_id
            and account_weeks.week_start = core_features_used.week_start
    left join dashboards
        on
            account_weeks.company_id = dashboards.company_id
            and account_weeks.week_start = dashboards.week_start
    left join friction
        on
            account_weeks.company_id = friction.company_id
            and account_weeks.week_start = friction.week_start
    left join latest_sentiment
        on
            account_weeks.company_id = latest_sentiment.company_id
            and account_weeks.week_start = latest_sentiment.week_start

)

select * from final
