{#- The filter of an incremental staging model: on an incremental run, only the raw rows
    loaded after the newest `_loaded_at` the model already holds. Events: loading or
    reprocessing a landing date rewrites all its raw rows with one new `_loaded_at`, so a changed
    day comes back whole and delete+insert on `landing_date` replaces it. Objects: the latest
    versions loaded since (macro loaded_object_keys). An empty model (first build, or no row yet)
    reads everything. -#}
{% macro loaded_since_last_build() -%}
    {%- if is_incremental() %}
    where _loaded_at > (select coalesce(max(loaded_at), timestamp '-infinity') from {{ this }})
    {%- endif %}
{%- endmacro %}
