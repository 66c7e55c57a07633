{#- What an incremental build of fct_mrr recomputes (issue 6), as a predicate on its rows.

    - Months from the rebuild month on: the first month of (as_of_date - var
      incremental_lookback_days), pulled earlier to the first month of any subscription event
      loaded since the last build (a late Stripe event restates the month it happened in), and
      to the last month the last build produced (it may have been read before its month end).
      Every later month is replaced too, so months after the as-of month disappear.
    - Every month of a customer with an event loaded since the last build: its customer-level
      columns (first paid day, carried-in opening) can move with a late event.

    "Since the last build" is `loaded_at` of stg_billing__subscription_events later than the
    largest `_source_loaded_at` fct_mrr holds: each build stamps its rows with the newest
    event load it read. Older months of other customers keep the values they were built with;
    a correction to anything else in them (an old FX rate, a customer's CRM account) needs
    `dbt build --full-refresh`. -#}
{% macro mrr_rebuild_scope() -%}
    {%- set events_loaded_since_last_build -%}
        select
            customer_id,
            occurred_at
        from {{ ref('stg_billing__subscription_events') }}
        where loaded_at > (
            select coalesce(max(_source_loaded_at), timestamp '-infinity') from {{ this }}
        )
    {%- endset -%}
    (
        month_start >= (
            select
                -- least() skips nulls: no late event, or an empty fct_mrr, adds no bound.
                least(
                    cast(date_trunc(
                        'month',
                        cast('{{ var("as_of_date") }}' as date)
                        - interval {{ var('incremental_lookback_days') }} day
                    ) as date),
                    (select max(month_start) from {{ this }}),
                    cast(min(date_trunc('month', late_events.occurred_at)) as date)
                )
            from ({{ events_loaded_since_last_build }}) as late_events
        )
        or customer_id in (
            select late_events.customer_id
            from ({{ events_loaded_since_last_build }}) as late_events
        )
    )
{%- endmacro %}

{#- Incremental strategy `mrr_rebuild_scope`: delete the rows in the rebuild scope, insert the
    rebuilt ones. delete+insert on the row key would leave behind the rows that no longer exist
    (months after the as-of month, a month a late cancellation removed). The scope reads the
    model's previous state, which only this statement changes, so it selects the same rows here
    as in the model's query. -#}
{% macro get_incremental_mrr_rebuild_scope_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set dest_cols_csv = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }}
    where {{ mrr_rebuild_scope() }};

    insert into {{ target }} ({{ dest_cols_csv }})
    select {{ dest_cols_csv }}
    from {{ arg_dict['temp_relation'] }}
{%- endmacro %}
