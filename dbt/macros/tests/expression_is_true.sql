{#- A row-level invariant written as a SQL boolean expression over the model's columns, e.g.
    `mql_at <= sql_at`. Fails with every row where the expression is false; rows where it is null
    (a timestamp not reached yet) pass, so write `coalesce(...)` when null must fail. -#}
{% test expression_is_true(model, expression) %}

with

violations as (

    select *
    from {{ model }}
    where not ({{ expression }})

)

select * from violations

{% endtest %}
