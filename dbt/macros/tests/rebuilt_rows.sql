{#- Data tests in proportion to the build. On an incremental run the pipeline's dbt step names
    the earliest landing day loaded since the last build in REVOPS_TESTS_REBUILT_FROM
    (dagster_project/transformation/test_window.py), and a data test of an incremental model
    checks the rows that build rebuilt, not every row the model holds. A full refresh, dbt run
    by hand (the variable unset) and a model built whole (a first build, or an object model
    dropped to be built again: named in REVOPS_TESTS_BUILT_WHOLE) check every row. A test's own
    `where` config still applies, and-ed with the window. The variable is read only at
    execution, as the as-of date is: dbt would parse the project again if a parsed value
    changed. -#}
{% macro default__get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- if config.get('where') -%}
        {%- do conditions.append('(' ~ config.get('where') ~ ')') -%}
    {%- endif -%}
    {%- set window = rebuilt_rows(relation) -%}
    {%- if window -%}
        {%- do conditions.append('(' ~ window ~ ')') -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ conditions | join(' and ') }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}

{#- The rows of the tested model that this incremental build rebuilt, as a predicate; none
    when every row is to be tested. The window follows from the model's incremental strategy:
    - events replaced by landing day, and objects rewritten when a version of theirs was
      loaded (replace_loaded_objects): the landing days from REVOPS_TESTS_REBUILT_FROM on;
    - fct_mrr (mrr_rebuild_scope): the rows stamped with the newest evidence load, which every
      rebuilt row carries (and, when no evidence arrived, the rows it kept with that stamp);
    - the weekly health models (health_week_rebuild): the weeks health_rebuild_from_week()
      rebuilt, late Stripe events included. -#}
{% macro rebuilt_rows(relation) -%}
    {%- set rebuilt_from = env_var('REVOPS_TESTS_REBUILT_FROM', '') if execute else '' -%}
    {%- set built_whole = (env_var('REVOPS_TESTS_BUILT_WHOLE', '') if execute else '').split() -%}
    {%- if not rebuilt_from or flags.FULL_REFRESH or not model.attached_node -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- set tested = graph.nodes.get(model.attached_node) -%}
    {%- if tested is none or tested.config.materialized != 'incremental'
        or tested.name in built_whole -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- set strategy = tested.config.incremental_strategy -%}
    {%- if strategy == 'mrr_rebuild_scope' -%}
        {%- do return('_source_loaded_at = (select max(_source_loaded_at) from ' ~ relation ~ ')') -%}
    {%- elif strategy == 'health_week_rebuild' -%}
        {%- set events = graph.nodes['model.revops_warehouse.stg_billing__subscription_events'] -%}
        {%- set events_relation = api.Relation.create(
            database=events.database, schema=events.schema, identifier=events.alias
        ) -%}
        {%- do return('week_start >= ' ~ health_rebuild_from_week(events_relation)) -%}
    {%- elif tested.config.unique_key == 'landing_date' or strategy == 'replace_loaded_objects' -%}
        {%- do return("landing_date >= cast('" ~ rebuilt_from ~ "' as date)") -%}
    {%- endif -%}
    {{ exceptions.raise_compiler_error(
        "No rebuilt-rows window for the incremental model " ~ tested.name
        ~ " (macro rebuilt_rows): say which rows its incremental build rewrites."
    ) }}
{%- endmacro %}
