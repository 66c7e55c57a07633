{#- What an incremental build of the weekly health models recomputes: every week from
    the Monday of (as_of_date - incremental_lookback_days - health_signal_window_days) on. A
    track or ticket arriving up to the lookback late changes the weeks whose windows reach back
    to it, all of them on or after that Monday; every later week is replaced too, so weeks after
    the as-of week disappear. A Stripe event that arrived since the last build but happened
    earlier (seats restated last month) moves the start back to its week: paid seats count from
    the event on. "Since the last build": loaded after the newest load of subscription events
    that build read, which the pipeline passes in REVOPS_LAST_BUILD_LOADED_THROUGH
    (dagster_project/transformation/build_selection.py); without it (dbt run by hand, no record
    of a successful last build), every event that landed within the lookback, which reaches
    further back when a whole history landed then. Older weeks keep the values they were built
    with: any other correction older than that (an FX rate, a CRM account) needs
    `--full-refresh`. The data tests' window (macro rebuilt_rows) passes the subscription events'
    relation: a test may not ref() a model it does not depend on. -#}
{% macro health_rebuild_from_week(subscription_events=none) -%}
    {%- set events = subscription_events if subscription_events is not none
        else ref('stg_billing__subscription_events') -%}
    {%- set lookback_start -%}
        cast('{{ var("as_of_date") }}' as date) - interval '{{ var('incremental_lookback_days') }} day'
    {%- endset -%}
    {%- set last_build = env_var('REVOPS_LAST_BUILD_LOADED_THROUGH', '') if execute else '' -%}
    {%- set events_through = fromjson(last_build or '{}').get('billing_subscription_events') -%}
    cast(date_trunc(
        'week',
        least(
            {{ lookback_start }} - interval '{{ var('health_signal_window_days') }} day',
            (
                select coalesce(min(cast(occurred_at as date)), date '9999-12-31')
                from {{ events }}
                {% if events_through -%}
                    where loaded_at > cast('{{ events_through }}' as timestamp)
                {%- else -%}
                    where landing_date >= {{ lookback_start }}
                {%- endif %}
            )
        )
    ) as date)
{%- endmacro %}

{#- Incremental strategy `health_week_rebuild`: delete the weeks from health_rebuild_from_week()
    on, insert the rebuilt ones. delete+insert on the row key would keep the rows that no longer
    exist (weeks after the as-of week, an account that stopped paying in a rebuilt week). -#}
{% macro get_incremental_health_week_rebuild_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set dest_cols_csv = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }}
    where week_start >= {{ health_rebuild_from_week() }};

    insert into {{ target }} ({{ dest_cols_csv }})
    select {{ dest_cols_csv }}
    from {{ arg_dict['temp_relation'] }}
{%- endmacro %}
