{#- Stripe epoch seconds (raw text or integer) as a UTC `timestamp`; independent of the session
    time zone because no timestamptz is involved. -#}
{% macro epoch_to_utc_timestamp(expression) -%}
    make_timestamp(cast({{ expression }} as bigint) * 1000000)
{%- endmacro %}
