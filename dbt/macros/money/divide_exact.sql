{#- numerator / denominator as a decimal(38, scale), rounded half away from zero at that scale,
    computed on integers. DuckDB divides decimals in floating point (decimal / decimal is a
    double), where 337.365 is stored as 337.36499999999995 and then rounds to the wrong cent.
    The numerator must have at most `scale` decimals and the denominator must be a positive
    integer. A quotient with at most `scale` decimals (every half cent) is exact; a longer one
    (10.00 / 12) is off by less than half a unit of the last decimal. -#}
{% macro divide_exact(numerator, denominator, scale=12) -%}
    cast(
        sign({{ numerator }})
        * (
            {{ integer_divide(
                '2 * abs(cast(' ~ numerator ~ ' * ' ~ 10 ** scale ~ ' as ' ~ type_hugeint() ~ ')) + (' ~ denominator ~ ')',
                '2 * (' ~ denominator ~ ')',
            ) }}
        )
        * {{ '0.' ~ '0' * (scale - 1) ~ '1' }}
        as decimal(38, {{ scale }})
    )
{%- endmacro %}
