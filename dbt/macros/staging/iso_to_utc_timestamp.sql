{#- An ISO 8601 text with an offset ('2025-03-01T10:15:00.000Z', '2025-03-01 11:15:00+01:00') as a
    UTC `timestamp`. A plain cast to timestamp would silently drop the offset and keep local wall
    time, so the text goes through timestamptz and is then read in UTC. -#}
{% macro iso_to_utc_timestamp(expression) -%}
    timezone('UTC', cast({{ expression }} as timestamptz))
{%- endmacro %}
