{#- The first use of each core feature (var `core_features`) in each product workspace, ranked in
    the order the workspace discovered them: rank 3 is the moment the workspace had used three
    distinct core features (the PQL moment with the default `pql_feature_count`). Features used
    for the first time at the same instant are ranked by name so the result is deterministic. -#}
with

tracks as (

    select * from {{ ref('stg_product__tracks') }}

),

first_uses as (

    select
        workspace_id,
        feature_name,
        min(occurred_at) as first_used_at,
        {{ arg_min('event_id', 'occurred_at') }} as first_use_event_id,
        {{ arg_min('user_id', 'occurred_at') }} as first_user_id

    from tracks
    where
        event_name = 'Feature Used'
        and feature_name in (
            {%- for feature in var('core_features') %}
                '{{ feature }}'{{ ',' if not loop.last }}
            {%- endfor %}
        )
        and occurred_at < {{ as_of_end_timestamp() }}
    group by workspace_id, feature_name

),

ranked as (

    select
        workspace_id || ':' || feature_name as workspace_feature_id,
        workspace_id,
        feature_name,
        first_used_at,
        first_use_event_id,
        first_user_id,
        row_number() over (
            partition by workspace_id order by first_used_at, feature_name
        ) as feature_rank

    from first_uses

)

select * from ranked
