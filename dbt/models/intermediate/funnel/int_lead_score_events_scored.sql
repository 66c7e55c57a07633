{#- Every marketing or product signal a lead produced up to the as-of date, priced with the points
    table (seed lead_score_points). Signals worth 0 points and not intent-bearing are dropped: they
    can move neither the score nor the intent flag. -#}
with

page_views as (

    select * from {{ ref('stg_marketing__page_views') }}

),

form_submissions as (

    select * from {{ ref('stg_marketing__form_submissions') }}

),

email_events as (

    select * from {{ ref('stg_marketing__email_events') }}

),

tracks as (

    select * from {{ ref('stg_product__tracks') }}

),

users as (

    select * from {{ ref('stg_product__users') }}

),

points as (

    select * from {{ ref('lead_score_points') }}

),

signals as (

    select
        'page_view' as signal_source,
        page_view_id as source_event_id,
        contact_id as lead_id,
        page_category as signal_type,
        occurred_at

    from page_views

    union all

    select
        'form_submission' as signal_source,
        form_submission_id as source_event_id,
        contact_id as lead_id,
        form_type as signal_type,
        submitted_at as occurred_at

    from form_submissions

    union all

    select
        'email_event' as signal_source,
        email_event_id as source_event_id,
        contact_id as lead_id,
        event_type as signal_type,
        occurred_at

    from email_events

    union all

    -- A trial sign-up in the product is an intent signal of the CRM contact behind the user.
    select
        'product_event' as signal_source,
        tracks.event_id as source_event_id,
        users.contact_id as lead_id,
        'signed_up' as signal_type,
        tracks.occurred_at

    from tracks
    inner join users
        on tracks.user_id = users.user_id
    where tracks.event_name = 'Signed Up'

),

scored as (

    select
        signals.signal_source || ':' || signals.source_event_id as signal_id,
        signals.lead_id,
        signals.signal_source,
        signals.signal_type,
        signals.source_event_id,
        signals.occurred_at,
        points.points,
        points.is_intent

    from signals
    inner join points
        on
            signals.signal_source = points.signal_source
            and signals.signal_type = points.signal_type
    where
        signals.lead_id is not null
        and signals.occurred_at < {{ as_of_end_timestamp() }}
        and (points.points > 0 or points.is_intent)

)

select * from scored
