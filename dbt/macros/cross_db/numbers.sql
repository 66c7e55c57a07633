{#- Integer division, truncating toward zero, of exact numbers (DuckDB's `//`). -#}
{% macro integer_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('integer_divide')(numerator, denominator)) }}
{%- endmacro %}

{% macro duckdb__integer_divide(numerator, denominator) -%}
    ({{ numerator }}) // ({{ denominator }})
{%- endmacro %}

{% macro postgres__integer_divide(numerator, denominator) -%}
    div({{ numerator }}, {{ denominator }})
{%- endmacro %}

{#- Spark's `div` returns a bigint, too narrow for divide_exact's scaled numerators: the
    remainder (`%`, the sign of the numerator) is taken off first, so the decimal division is
    exact. -#}
{% macro spark__integer_divide(numerator, denominator) -%}
    cast((({{ numerator }}) - ({{ numerator }}) % ({{ denominator }})) / ({{ denominator }}) as decimal(38, 0))
{%- endmacro %}

{#- A double rounded to `places` decimals, half away from zero, as DuckDB's round() does it:
    std::round(x * 10^places) / 10^places, in floating point. PostgreSQL has no round(double,
    int), and its round(double) rounds halves to even. -#}
{% macro round_double(expression, places) -%}
    {{ return(adapter.dispatch('round_double')(expression, places)) }}
{%- endmacro %}

{% macro duckdb__round_double(expression, places) -%}
    round({{ expression }}, {{ places }})
{%- endmacro %}

{% macro postgres__round_double(expression, places) -%}
    {%- set scaled = '(' ~ expression ~ ') * cast(' ~ 10 ** places ~ ' as double precision)' -%}
    (sign({{ scaled }}) * floor(abs({{ scaled }}) + 0.5) / cast({{ 10 ** places }} as double precision))
{%- endmacro %}

{#- Spark's round() of a double rounds its decimal text half up, not DuckDB's floating point. -#}
{% macro spark__round_double(expression, places) -%}
    {%- set scaled = '(' ~ expression ~ ') * cast(' ~ 10 ** places ~ ' as double)' -%}
    (sign({{ scaled }}) * floor(abs({{ scaled }}) + 0.5) / cast({{ 10 ** places }} as double))
{%- endmacro %}
