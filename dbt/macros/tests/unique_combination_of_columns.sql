{#- A key made of several columns: fails with one row per combination that occurs more than once.
    Nulls count as values here (two rows with the same null part are duplicates), so pair it with
    the key columns in the model's not_null_columns. -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

with

grouped as (

    select
        {{ combination_of_columns | join(',\n        ') }},
        count(*) as occurrences
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1

)

select * from grouped

{% endtest %}
