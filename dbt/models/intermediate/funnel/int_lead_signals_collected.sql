{#- Every marketing or product signal a lead produced, whatever the as-of date and the points
    table: the part of lead scoring that grows with the event history. A daily run rebuilds only
    the landing days that brought something new (macro lead_signal_rebuild_days); the points and
    the as-of date are applied in int_lead_score_events_scored, so a change to either never
    leaves a stored signal stale. -#}
-- Each source is read twice, for the watermark and for the signals: not materialized, or
-- DuckDB would first copy every row of it (ten million tracks at scale M), new or not.
with

page_views as {{ not_materialized() }} (

    select * from {{ ref('stg_marketing__page_views') }}

),

form_submissions as {{ not_materialized() }} (

    select * from {{ ref('stg_marketing__form_submissions') }}

),

email_events as {{ not_materialized() }} (

    select * from {{ ref('stg_marketing__email_events') }}

),

tracks as {{ not_materialized() }} (

    select * from {{ ref('stg_product__tracks') }}

),

users as {{ not_materialized() }} (

    select * from {{ ref('stg_product__users') }}

),

-- The newest load this build read: stamped on every row it writes, it tells the next
-- incremental build what arrived since (macro lead_signal_rebuild_days).
source_watermark as (

    select max(loaded_at) as source_loaded_at
    from (
        select loaded_at from page_views
        union all
        select loaded_at from form_submissions
        union all
        select loaded_at from email_events
        union all
        select loaded_at from tracks
        union all
        select loaded_at from users
    ) as loads

),

signals as (

    select
        'page_view' as signal_source,
        page_view_id as source_event_id,
        contact_id as lead_id,
        page_category as signal_type,
        occurred_at,
        landing_date

    from page_views

    union all

    select
        'form_submission' as signal_source,
        form_submission_id as source_event_id,
        contact_id as lead_id,
        form_type as signal_type,
        submitted_at as occurred_at,
        landing_date

    from form_submissions

    union all

    select
        'email_event' as signal_source,
        email_event_id as source_event_id,
        contact_id as lead_id,
        event_type as signal_type,
        occurred_at,
        landing_date

    from email_events

    union all

    -- A trial sign-up in the product is an intent signal of the CRM contact behind the user.
    select
        'product_event' as signal_source,
        tracks.event_id as source_event_id,
        users.contact_id as lead_id,
        'signed_up' as signal_type,
        tracks.occurred_at,
        tracks.landing_date

    from tracks
    inner join users
        on tracks.user_id = users.user_id
    where tracks.event_name = 'Signed Up'

),

final as (

    select
        signals.signal_source || ':' || signals.source_event_id as signal_id,
        signals.lead_id,
        signals.signal_source,
        signals.signal_type,
        signals.source_event_id,
        signals.occurred_at,
        signals.landing_date,
        source_watermark.source_loaded_at as _source_loaded_at

    from signals
    cross join source_watermark
    where
        signals.lead_id is not null
        {% if is_incremental() -%}
            and signals.landing_date in ({{ lead_signal_rebuild_day_list() }})
        {%- endif %}

)

select * from final
