{#- JSON: `->` and `->>` with a key or an array index read the same on both engines (raw JSON is
    DuckDB's JSON type and PostgreSQL's `json`); what differs is turning an array into rows. -#}

{#- The elements of a JSON array as rows with one column, `value` (JSON); use it as a table:
    `cross join {{ json_array_rows('x -> 'data'') }} as item`, then `item.value`. -#}
{% macro json_array_rows(expression) -%}
    {{ return(adapter.dispatch('json_array_rows')(expression)) }}
{%- endmacro %}

{% macro duckdb__json_array_rows(expression) -%}
    json_each({{ expression }})
{%- endmacro %}

{% macro postgres__json_array_rows(expression) -%}
    json_array_elements({{ expression }})
{%- endmacro %}

{#- The JSON object `expression` without the keys in `keys` (a text array, string_array()). -#}
{% macro json_object_without(expression, keys) -%}
    {{ return(adapter.dispatch('json_object_without')(expression, keys)) }}
{%- endmacro %}

{% macro duckdb__json_object_without(expression, keys) -%}
    to_json(map_from_entries(list_filter(
        map_entries(cast({{ expression }} as map(varchar, json))),
        lambda property: not list_contains({{ keys }}, property.key)
    )))
{%- endmacro %}

{% macro postgres__json_object_without(expression, keys) -%}
    coalesce(
        (
            select json_object_agg(property.key, property.value order by property.key)
            from json_each({{ expression }}) as property
            where not property.key = any({{ keys }})
        ),
        cast('{}' as json)
    )
{%- endmacro %}

{#- As json_array_rows, with `position` beside `value`: the element's place in the array, from 0. -#}
{% macro json_array_rows_indexed(expression) -%}
    {{ return(adapter.dispatch('json_array_rows_indexed')(expression)) }}
{%- endmacro %}

{% macro duckdb__json_array_rows_indexed(expression) -%}
    lateral (select value, cast(key as integer) as position from json_each({{ expression }}))
{%- endmacro %}

{% macro postgres__json_array_rows_indexed(expression) -%}
    lateral (
        select element.value, cast(element.ordinality - 1 as integer) as position
        from json_array_elements({{ expression }}) with ordinality as element (value, ordinality)
    )
{%- endmacro %}
