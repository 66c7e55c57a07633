{#- dbt's own `relationships` test, overridden for one case: a parent without rows is a source
    the company does not deliver (an optional table, docs/sources.md), so a reference into it
    cannot be checked and passes, as at extraction, where a reference rule into a table without
    records is not checked either. The published warehouse names that source as absent
    (meta.source_availability). A parent with rows is checked as dbt checks it. -#}
{% macro default__test_relationships(model, column_name, to, field) %}

with child as (
    select {{ column_name }} as from_field
    from {{ model }}
    where {{ column_name }} is not null
),

parent as (
    select {{ field }} as to_field
    from {{ to }}
)

select child.from_field

from child
left join parent
    on child.from_field = parent.to_field

where
    parent.to_field is null
    and exists (select 1 from {{ to }})

{% endmacro %}
