{#- JSON: raw JSON is DuckDB's JSON type, PostgreSQL's `json` and Spark's text (its Parquet holds
    the document's text). `->` and `->>` read a key or an array index on DuckDB and PostgreSQL;
    Spark has neither operator and reads a JSON path (get_json_object), so models read JSON
    through the macros below. A path is a list of keys (text) and array indexes (integers):
    json_text('source.associations', ['companies', 'results', 0, 'id']). -#}

{#- The text at `path` (a JSON string without its quotes, a number's digits; null when absent). -#}
{% macro json_text(expression, path) -%}
    {{ return(adapter.dispatch('json_text')(expression, path)) }}
{%- endmacro %}

{% macro default__json_text(expression, path) -%}
    {{ expression }}{{ json_arrows(path[:-1]) }} ->> {{ json_step(path[-1]) }}
{%- endmacro %}

{% macro spark__json_text(expression, path) -%}
    get_json_object({{ expression }}, '{{ json_path(path) }}')
{%- endmacro %}

{#- The JSON at `path` (an object or an array, to read further or to turn into rows). -#}
{% macro json_value(expression, path) -%}
    {{ return(adapter.dispatch('json_value')(expression, path)) }}
{%- endmacro %}

{% macro default__json_value(expression, path) -%}
    {{ expression }}{{ json_arrows(path) }}
{%- endmacro %}

{% macro spark__json_value(expression, path) -%}
    get_json_object({{ expression }}, '{{ json_path(path) }}')
{%- endmacro %}

{#- The text of the key named by the text expression `key` (a column of the CRM mapping). -#}
{% macro json_text_at(expression, key) -%}
    {{ return(adapter.dispatch('json_text_at')(expression, key)) }}
{%- endmacro %}

{% macro default__json_text_at(expression, key) -%}
    {{ expression }} ->> {{ key }}
{%- endmacro %}

{% macro spark__json_text_at(expression, key) -%}
    get_json_object({{ expression }}, concat('$[\'', {{ key }}, '\']'))
{%- endmacro %}

{#- The JSON of the key named by the text expression `key`. -#}
{% macro json_value_at(expression, key) -%}
    {{ return(adapter.dispatch('json_value_at')(expression, key)) }}
{%- endmacro %}

{% macro default__json_value_at(expression, key) -%}
    {{ expression }} -> {{ key }}
{%- endmacro %}

{% macro spark__json_value_at(expression, key) -%}
    get_json_object({{ expression }}, concat('$[\'', {{ key }}, '\']'))
{%- endmacro %}

{#- `-> 'a' -> 0` for DuckDB and PostgreSQL. -#}
{% macro json_arrows(path) -%}
    {%- for step in path %} -> {{ json_step(step) }}{% endfor -%}
{%- endmacro %}

{% macro json_step(step) -%}
    {{ step if step is number else "'" ~ step ~ "'" }}
{%- endmacro %}

{#- `$.a[0].b` for Spark's get_json_object. -#}
{% macro json_path(path) -%}
    ${% for step in path %}{{ '[' ~ step ~ ']' if step is number else '.' ~ step }}{% endfor %}
{%- endmacro %}

{#- The elements of a JSON array as rows with one column, `value` (JSON); use it as a table:
    `cross join {{ json_array_rows(json_value('x', ['data'])) }} as item`, then `item.value`. -#}
{% macro json_array_rows(expression) -%}
    {{ return(adapter.dispatch('json_array_rows')(expression)) }}
{%- endmacro %}

{% macro duckdb__json_array_rows(expression) -%}
    json_each({{ expression }})
{%- endmacro %}

{% macro postgres__json_array_rows(expression) -%}
    json_array_elements({{ expression }})
{%- endmacro %}

{#- Spark: a lateral generator of one-field structs, so its column is named `value` under the
    caller's alias; an element read as `string` keeps its JSON text. -#}
{% macro spark__json_array_rows(expression) -%}
    lateral inline(transform(
        from_json({{ expression }}, 'array<string>'), element -> named_struct('value', element)
    ))
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

{#- Spark: the object as a map of text values (CRM properties are text). -#}
{% macro spark__json_object_without(expression, keys) -%}
    to_json(map_filter(
        from_json({{ expression }}, 'map<string, string>'),
        (property_key, property_value) -> not array_contains({{ keys }}, property_key)
    ))
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

{#- Spark: transform's index argument counts from 0, as the element's place. -#}
{% macro spark__json_array_rows_indexed(expression) -%}
    lateral inline(transform(
        from_json({{ expression }}, 'array<string>'),
        (element, element_index) -> named_struct('value', element, 'position', element_index)
    ))
{%- endmacro %}

{#- A row of the relation aliased `relation` as one JSON object, its column names as keys (a
    record whose fields the models read by names found in data: the CRM mapping's). -#}
{% macro row_to_json(relation) -%}
    {{ return(adapter.dispatch('row_to_json')(relation)) }}
{%- endmacro %}

{% macro default__row_to_json(relation) -%}
    to_json({{ relation }})
{%- endmacro %}

{#- Spark: a struct of every column; a null column stays a JSON null, as on DuckDB. -#}
{% macro spark__row_to_json(relation) -%}
    to_json(struct({{ relation }}.*), map('ignoreNullFields', 'false'))
{%- endmacro %}
