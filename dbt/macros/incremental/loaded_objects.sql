{#- Incremental object staging: a run rewrites only the objects (contacts, invoices ...) with a
    version loaded since the model's last build.

    The model reads its source (the latest version of each object) through
    loaded_since_last_build(): the objects whose latest version was loaded after the newest
    `loaded_at` the model holds, every row it derives from them (one, or one per line or history
    entry). A late delivery of an older version changes no latest version, so no object. The
    strategy deletes every row of those objects, then inserts the rebuilt ones: delete+insert on
    the rows' own key would keep an object's lines or history entries that its new version no
    longer has.

    This holds while loads only add versions. When an object table's files are replaced or leave
    the landing folder, its rules or the CRM mapping change, or the code does, the pipeline drops
    the model first and dbt builds it whole (dagster_project/transformation/object_rebuilds.py).

    The model's config names the source and the object's key in it and in the model:
    `meta: {rebuilt_objects: {source: [crm, crm_contacts], source_key: id, key: contact_id}}`. -#}
{% macro loaded_object_keys() -%}
    {%- set objects = config.get('meta')['rebuilt_objects'] -%}
    select {{ adapter.quote(objects['source_key']) }}
    from {{ source(objects['source'][0], objects['source'][1]) }}
    {{ loaded_since_last_build() }}
{%- endmacro %}

{% macro get_incremental_replace_loaded_objects_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set key = config.get('meta')['rebuilt_objects']['key'] -%}
    {%- set dest_cols_csv = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }}
    where {{ adapter.quote(key) }} in ({{ loaded_object_keys() }});

    insert into {{ target }} ({{ dest_cols_csv }})
    select {{ dest_cols_csv }}
    from {{ arg_dict['temp_relation'] }}
{%- endmacro %}
