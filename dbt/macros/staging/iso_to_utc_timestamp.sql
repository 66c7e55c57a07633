{#- An ISO 8601 text with an offset ('2025-03-01T10:15:00.000Z', '2025-03-01 11:15:00+01:00') as a
    UTC `timestamp`. A plain cast to timestamp would silently drop the offset and keep local wall
    time, so the text goes through timestamptz and is then read in UTC. Spark's cast to
    `timestamp` keeps the offset (its timestamp is an instant), read in the UTC session. -#}
{% macro iso_to_utc_timestamp(expression) -%}
    {{ return(adapter.dispatch('iso_to_utc_timestamp')(expression)) }}
{%- endmacro %}

{% macro default__iso_to_utc_timestamp(expression) -%}
    timezone('UTC', cast({{ expression }} as timestamptz))
{%- endmacro %}

{% macro spark__iso_to_utc_timestamp(expression) -%}
    cast({{ expression }} as timestamp)
{%- endmacro %}

{#- The same, null where the text does not parse. -#}
{% macro try_iso_to_utc_timestamp(expression) -%}
    {{ return(adapter.dispatch('try_iso_to_utc_timestamp')(expression)) }}
{%- endmacro %}

{% macro default__try_iso_to_utc_timestamp(expression) -%}
    timezone('UTC', {{ try_cast(expression, 'timestamptz') }})
{%- endmacro %}

{% macro spark__try_iso_to_utc_timestamp(expression) -%}
    try_cast({{ expression }} as timestamp)
{%- endmacro %}
