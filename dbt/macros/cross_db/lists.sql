{#- Lists of text and key -> value maps built by aggregation: DuckDB's LIST and MAP, PostgreSQL's
    text[] and a json object. -#}

{#- A list literal of text values from a Jinja list: string_array(['a', 'b']). -#}
{% macro string_array(values) -%}
    {{ return(adapter.dispatch('string_array')(values)) }}
{%- endmacro %}

{% macro duckdb__string_array(values) -%}
    [{%- for value in values -%}'{{ value }}'{{ ', ' if not loop.last }}{%- endfor -%}]
{%- endmacro %}

{% macro postgres__string_array(values) -%}
    cast(array[{%- for value in values -%}'{{ value }}'{{ ', ' if not loop.last }}{%- endfor -%}] as text[])
{%- endmacro %}

{% macro spark__string_array(values) -%}
    array({%- for value in values -%}'{{ value }}'{{ ', ' if not loop.last }}{%- endfor -%})
{%- endmacro %}

{#- Two lists, one after the other. -#}
{% macro array_concat_lists(first, second) -%}
    {{ return(adapter.dispatch('array_concat_lists')(first, second)) }}
{%- endmacro %}

{% macro duckdb__array_concat_lists(first, second) -%}
    list_concat({{ first }}, {{ second }})
{%- endmacro %}

{% macro postgres__array_concat_lists(first, second) -%}
    ({{ first }} || {{ second }})
{%- endmacro %}

{% macro spark__array_concat_lists(first, second) -%}
    concat({{ first }}, {{ second }})
{%- endmacro %}

{#- The text values of `expression` over the rows where `condition` holds; empty, not null,
    when there is none. -#}
{% macro string_list_agg(expression, condition) -%}
    {{ return(adapter.dispatch('string_list_agg')(expression, condition)) }}
{%- endmacro %}

{% macro duckdb__string_list_agg(expression, condition) -%}
    coalesce(list({{ expression }}) filter (where {{ condition }}), [])
{%- endmacro %}

{% macro postgres__string_list_agg(expression, condition) -%}
    coalesce(array_agg({{ expression }}) filter (where {{ condition }}), cast(array[] as text[]))
{%- endmacro %}

{% macro spark__string_list_agg(expression, condition) -%}
    collect_list({{ expression }}) filter (where {{ condition }})
{%- endmacro %}

{#- A map from the text `key` to `value` over the rows where `condition` holds (null when none). -#}
{% macro map_agg(key, value, condition) -%}
    {{ return(adapter.dispatch('map_agg')(key, value, condition)) }}
{%- endmacro %}

{% macro duckdb__map_agg(key, value, condition) -%}
    map_from_entries(list(({{ key }}, {{ value }})) filter (where {{ condition }}))
{%- endmacro %}

{% macro postgres__map_agg(key, value, condition) -%}
    json_object_agg({{ key }}, {{ value }}) filter (where {{ condition }})
{%- endmacro %}

{#- Spark: an empty map rather than null when no row holds; map_get reads null from either. -#}
{% macro spark__map_agg(key, value, condition) -%}
    map_from_entries(collect_list(struct({{ key }}, {{ value }})) filter (where {{ condition }}))
{%- endmacro %}

{#- The value of `key` in a map from map_agg(), as text (null when absent). -#}
{% macro map_get(map, key) -%}
    {{ return(adapter.dispatch('map_get')(map, key)) }}
{%- endmacro %}

{% macro duckdb__map_get(map, key) -%}
    {{ map }}[{{ key }}]
{%- endmacro %}

{% macro postgres__map_get(map, key) -%}
    ({{ map }} ->> ({{ key }}))
{%- endmacro %}

{% macro spark__map_get(map, key) -%}
    try_element_at({{ map }}, {{ key }})
{%- endmacro %}
