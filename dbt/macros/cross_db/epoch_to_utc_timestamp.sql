{#- Stripe epoch seconds (raw text or integer) as a UTC `timestamp`; independent of the session
    time zone: no timestamptz is involved (DuckDB), or it is read back in UTC (PostgreSQL). -#}
{% macro epoch_to_utc_timestamp(expression) -%}
    {{ return(adapter.dispatch('epoch_to_utc_timestamp')(expression)) }}
{%- endmacro %}

{% macro duckdb__epoch_to_utc_timestamp(expression) -%}
    make_timestamp(cast({{ expression }} as bigint) * 1000000)
{%- endmacro %}

{% macro postgres__epoch_to_utc_timestamp(expression) -%}
    (to_timestamp(cast({{ expression }} as bigint)) at time zone 'UTC')
{%- endmacro %}

{#- Spark's session time zone is UTC (the profile), so its `timestamp` reads as UTC. -#}
{% macro spark__epoch_to_utc_timestamp(expression) -%}
    timestamp_seconds(cast({{ expression }} as bigint))
{%- endmacro %}

{#- A timestamp column of a Parquet export (zoned or naive UTC) as a naive UTC `timestamp`:
    epoch microseconds read back as a naive timestamp give UTC either way. -#}
{% macro utc_timestamp(expression) -%}
    {{ return(adapter.dispatch('utc_timestamp')(expression)) }}
{%- endmacro %}

{% macro duckdb__utc_timestamp(expression) -%}
    make_timestamp(epoch_us({{ expression }}))
{%- endmacro %}

{#- A naive timestamp is UTC already; a zoned one is read in UTC. The cast is a no-op on a naive
    timestamp only in a UTC session, which the target's connections are (docs/operations.md). -#}
{% macro postgres__utc_timestamp(expression) -%}
    (cast({{ expression }} as timestamptz) at time zone 'UTC')
{%- endmacro %}

{#- Spark reads DuckDB's naive timestamps from Parquet as timestamp_ntz (UTC wall time) and zoned
    ones as instants; either cast gives the UTC timestamp in a UTC session. -#}
{% macro spark__utc_timestamp(expression) -%}
    cast({{ expression }} as timestamp)
{%- endmacro %}
