{#- Stripe integer minor units (cents, pence) as a decimal(18, 2) amount in major units. Exact:
    decimal times decimal stays decimal in DuckDB, where dividing by an integer would give a
    double. Valid for two-decimal currencies, which are all the project bills in (EUR, USD, GBP). -#}
{% macro minor_units_to_amount(expression) -%}
    cast(cast({{ expression }} as decimal(18, 0)) * 0.01 as decimal(18, 2))
{%- endmacro %}
