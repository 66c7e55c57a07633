-- The grid must cover the nine weight x potential cells, or some accounts would get no segment.
with

cells as (

    select
        weights.weight_class,
        potentials.potential_class

    from (values ('A'), ('B'), ('C')) as weights (weight_class)
    cross join (values ('high'), ('medium'), ('low')) as potentials (potential_class)

)

select cells.*
from cells
left join {{ ref('segment_matrix') }} as segment_matrix
    on
        cells.weight_class = segment_matrix.weight_class
        and cells.potential_class = segment_matrix.potential_class
where segment_matrix.segment is null
