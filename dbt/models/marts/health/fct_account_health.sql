{#- The health score: a weighted sum of the five 0-100 signals with weights from var
    health_weights (they must sum to 1, see tests/health), banded by health_green_min and
    health_yellow_min. -#}
{%- set weights = var('health_weights') -%}
{%- set signals = ['seat_activity', 'feature_breadth', 'depth', 'support_friction', 'sentiment'] -%}

-- depends_on: {{ ref('stg_billing__subscription_events') }} (read by health_rebuild_from_week)
with

signals as (

    select * from {{ ref('int_account_week_signals_computed') }}
    {%- if is_incremental() %}
        where week_start >= {{ health_rebuild_from_week() }}
    {%- endif %}

),

scored as (

    select
        *,
        {%- set weighted_sum -%}
            {%- for signal in signals %}
                {{ weights[signal] }} * {{ signal }}_score{{ ' +' if not loop.last }}
            {%- endfor %}
        {%- endset %}
        {{ round_double(weighted_sum, 2) }} as health_score

    from signals

),

final as (

    select
        account_week_id,
        company_id,
        week_start,
        measured_before,
        paid_seats,
        active_users,
        core_features_used,
        dashboards_created,
        open_tickets,
        high_severity_tickets,
        friction_tickets,
        sentiment_survey,
        seat_activity_score,
        feature_breadth_score,
        depth_score,
        support_friction_score,
        sentiment_score,
        health_score,
        case
            when health_score >= {{ var('health_green_min') }} then 'green'
            when health_score >= {{ var('health_yellow_min') }} then 'yellow'
            else 'red'
        end as health_band

    from scored

)

-- Typed by the contract, which an incremental run compares with (select_contract_types).
{{ select_contract_types('final') }}
