{#- Date and time arithmetic whose functions differ. Intervals are written the same on both
    engines in the models themselves (`interval '3 month'`). -#}

{#- How many `part` boundaries ('second', 'day', 'month') lie between `start` and `stop`, as a
    bigint (DuckDB's date_diff). -#}
{% macro date_diff(part, start, stop) -%}
    {{ return(adapter.dispatch('date_diff')(part, start, stop)) }}
{%- endmacro %}

{% macro duckdb__date_diff(part, start, stop) -%}
    date_diff('{{ part }}', {{ start }}, {{ stop }})
{%- endmacro %}

{% macro postgres__date_diff(part, start, stop) -%}
    {%- if part == 'second' -%}
        cast(floor(extract(epoch from {{ stop }})) - floor(extract(epoch from {{ start }})) as bigint)
    {%- elif part == 'day' -%}
        cast(cast({{ stop }} as date) - cast({{ start }} as date) as bigint)
    {%- elif part == 'month' -%}
        cast(
            (extract(year from {{ stop }}) - extract(year from {{ start }})) * 12
            + extract(month from {{ stop }}) - extract(month from {{ start }})
            as bigint
        )
    {%- else -%}
        {{ exceptions.raise_compiler_error("date_diff: no PostgreSQL form for part " ~ part) }}
    {%- endif -%}
{%- endmacro %}

{% macro spark__date_diff(part, start, stop) -%}
    {%- if part == 'second' -%}
        (unix_seconds(cast({{ stop }} as timestamp)) - unix_seconds(cast({{ start }} as timestamp)))
    {%- elif part == 'day' -%}
        cast(datediff(cast({{ stop }} as date), cast({{ start }} as date)) as bigint)
    {%- elif part == 'month' -%}
        cast(
            (year({{ stop }}) - year({{ start }})) * 12 + month({{ stop }}) - month({{ start }})
            as bigint
        )
    {%- else -%}
        {{ exceptions.raise_compiler_error("date_diff: no Spark form for part " ~ part) }}
    {%- endif -%}
{%- endmacro %}

{#- The last day of the month of `expression`, a date. -#}
{% macro month_last_day(expression) -%}
    {{ return(adapter.dispatch('month_last_day')(expression)) }}
{%- endmacro %}

{% macro duckdb__month_last_day(expression) -%}
    last_day({{ expression }})
{%- endmacro %}

{% macro postgres__month_last_day(expression) -%}
    cast(date_trunc('month', {{ expression }}) + interval '1 month' - interval '1 day' as date)
{%- endmacro %}

{% macro spark__month_last_day(expression) -%}
    last_day({{ expression }})
{%- endmacro %}

{#- ISO day of the week: Monday = 1 ... Sunday = 7. -#}
{% macro iso_day_of_week(expression) -%}
    {{ return(adapter.dispatch('iso_day_of_week')(expression)) }}
{%- endmacro %}

{% macro duckdb__iso_day_of_week(expression) -%}
    isodow({{ expression }})
{%- endmacro %}

{% macro postgres__iso_day_of_week(expression) -%}
    cast(extract(isodow from {{ expression }}) as integer)
{%- endmacro %}

{#- Spark's weekday(): Monday = 0. -#}
{% macro spark__iso_day_of_week(expression) -%}
    (weekday({{ expression }}) + 1)
{%- endmacro %}

{#- A date or timestamp as text, in a strftime format of %Y %m %d %H %M %S and literals. -#}
{% macro format_timestamp(expression, format) -%}
    {{ return(adapter.dispatch('format_timestamp')(expression, format)) }}
{%- endmacro %}

{% macro duckdb__format_timestamp(expression, format) -%}
    strftime({{ expression }}, '{{ format }}')
{%- endmacro %}

{#- to_char's codes; a letter that is not a code (the T of ISO 8601) is quoted. -#}
{% macro postgres__format_timestamp(expression, format) -%}
    {%- set codes = {'%Y': 'YYYY', '%m': 'MM', '%d': 'DD', '%H': 'HH24', '%M': 'MI', '%S': 'SS'} -%}
    {%- set pattern = namespace(text=format | replace('T', '"T"')) -%}
    {%- for code, replacement in codes.items() -%}
        {%- set pattern.text = pattern.text | replace(code, replacement) -%}
    {%- endfor -%}
    to_char({{ expression }}, '{{ pattern.text }}')
{%- endmacro %}

{#- date_format's Java pattern letters; a letter that is not a code (the T of ISO 8601) is quoted. -#}
{% macro spark__format_timestamp(expression, format) -%}
    {%- set codes = {'%Y': 'yyyy', '%m': 'MM', '%d': 'dd', '%H': 'HH', '%M': 'mm', '%S': 'ss'} -%}
    {%- set pattern = namespace(text=format | replace('T', "\\'T\\'")) -%}
    {%- for code, replacement in codes.items() -%}
        {%- set pattern.text = pattern.text | replace(code, replacement) -%}
    {%- endfor -%}
    date_format({{ expression }}, '{{ pattern.text }}')
{%- endmacro %}
