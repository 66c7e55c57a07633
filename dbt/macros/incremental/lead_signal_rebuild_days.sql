{#- The landing days an incremental build of int_lead_signals_collected rewrites whole: those
    of the page views, form submissions, email events and tracks loaded since the last build,
    and those of the sign-ups of product users loaded since (a user linked to another CRM
    contact, or to none, moves or drops its sign-up's signal). "Since the last build": a
    `loaded_at` later than the largest `_source_loaded_at` the model holds, the newest load each
    build read and stamped on the rows it wrote. Rewriting whole days, as the event staging
    models do, lets a reprocessed landing day replace its signals rather than add to them. The
    data tests of a run check the days from the first landing day loaded (macro rebuilt_rows);
    an older day rewritten for a relinked user holds the same events as when it was tested. -#}
{% macro lead_signal_rebuild_days() -%}
    {%- set since_last_build -%}
        loaded_at > (
            select coalesce(max(_source_loaded_at), timestamp '-infinity') from {{ this }}
        )
    {%- endset -%}
    select landing_date from {{ ref('stg_marketing__page_views') }} where {{ since_last_build }}
    union
    select landing_date from {{ ref('stg_marketing__form_submissions') }}
    where {{ since_last_build }}
    union
    select landing_date from {{ ref('stg_marketing__email_events') }} where {{ since_last_build }}
    union
    select landing_date from {{ ref('stg_product__tracks') }} where {{ since_last_build }}
    union
    select signups.landing_date
    from {{ ref('stg_product__tracks') }} as signups
    where
        signups.event_name = 'Signed Up'
        and signups.user_id in (
            select user_id from {{ ref('stg_product__users') }} where {{ since_last_build }}
        )
{%- endmacro %}

{#- The same days as a list of date literals, read from the warehouse when the model runs: a
    literal filter reaches DuckDB's scans, which skip the row groups of other landing days (at
    scale L the whole initial export), where a subquery would make them read every row. An empty
    list matches no day. -#}
{% macro lead_signal_rebuild_day_list() -%}
    {%- set days = run_query(lead_signal_rebuild_days()).columns[0].values() if execute else [] -%}
    {%- for day in days -%}
        cast('{{ day }}' as date){{ ', ' if not loop.last }}
    {%- else -%}
        cast(null as date)
    {%- endfor -%}
{%- endmacro %}

{#- Incremental strategy `lead_signal_day_rebuild`: delete the landing days of
    lead_signal_rebuild_days(), insert the rebuilt ones. delete+insert on the key would keep the
    signals a reprocessed day no longer has, and a day left with none. The days are read from
    the model's previous state, which only this statement changes, so they are the same here as
    in the model's query. -#}
{% macro get_incremental_lead_signal_day_rebuild_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set dest_cols_csv = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }}
    where landing_date in ({{ lead_signal_rebuild_day_list() }});

    insert into {{ target }} ({{ dest_cols_csv }})
    select {{ dest_cols_csv }}
    from {{ arg_dict['temp_relation'] }}
{%- endmacro %}
