{#- Every non-null value of the column lies within [min_value, max_value] (bounds optional,
    inclusive by default). Fails with one row per value outside the range. Nulls are left to
    not_null_columns, so a metric that is undefined (0 / 0) can stay null without failing
    here. -#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}

with

outside as (

    select {{ column_name }} as value_outside_range
    from {{ model }}
    where {{ column_name }} is not null
      and (
        false
        {%- if min_value is not none %}
        or {{ column_name }} {{ '<' if inclusive else '<=' }} {{ min_value }}
        {%- endif %}
        {%- if max_value is not none %}
        or {{ column_name }} {{ '>' if inclusive else '>=' }} {{ max_value }}
        {%- endif %}
      )

)

select * from outside

{% endtest %}
