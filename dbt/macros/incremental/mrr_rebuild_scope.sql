{#- What an incremental build of fct_mrr recomputes, as a predicate on its rows.

    - Months from the rebuild month on: the first month of (as_of_date - var
      incremental_lookback_days), pulled earlier to the first month of any subscription event
      loaded since the last build (a late Stripe event restates the month it happened in), and
      to the last month the last build produced (it may have been read before its month end).
      Every later month is replaced too, so months after the as-of month disappear.
    - Every month of a customer with billing evidence loaded since the last build (an event, an
      invoice, a subscription version): its customer-level columns (first paid day, carried-in
      opening) can move with a late event, and a history reconstructed from invoices and
      versions (int_subscription_states_reconstructed) with any of them, at any date.

    "Since the last build" is a `loaded_at` (billing_evidence_loads) later than the largest
    `_source_loaded_at` fct_mrr holds: each build stamps its rows with the newest evidence load
    it read. Older months of other customers keep the values they were built with; a correction
    to anything else in them (an old FX rate, a customer's CRM account) needs
    `dbt build --full-refresh`. -#}
{% macro mrr_rebuild_scope() -%}
    {%- set evidence_loaded_since_last_build -%}
        select
            customer_id,
            occurred_at
        from ({{ billing_evidence_loads() }}) as evidence_loads
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
                        - interval '{{ var('incremental_lookback_days') }} day'
                    ) as date),
                    (select max(month_start) from {{ this }}),
                    -- An event restates the month it happened in; invoices and versions restate
                    -- their customer's months (below), not a month of every customer.
                    cast(min(date_trunc('month', late_evidence.occurred_at)) as date)
                )
            from ({{ evidence_loaded_since_last_build }}) as late_evidence
        )
        or customer_id in (
            select late_evidence.customer_id
            from ({{ evidence_loaded_since_last_build }}) as late_evidence
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

{#- Every load of the evidence the MRR history rests on, as (customer, when it happened for an
    event, when it was loaded). -#}
{% macro billing_evidence_loads() -%}
    select
        customer_id,
        occurred_at,
        loaded_at
    from {{ ref('stg_billing__subscription_events') }}
    union all
    select
        customer_id,
        cast(null as timestamp) as occurred_at,
        loaded_at
    from {{ ref('stg_billing__invoices') }}
    union all
    select
        customer_id,
        cast(null as timestamp) as occurred_at,
        loaded_at
    from {{ ref('stg_billing__subscription_versions') }}
{%- endmacro %}
