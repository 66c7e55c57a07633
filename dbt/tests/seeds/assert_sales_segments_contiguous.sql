-- Segments must tile the employee axis: each one starts where the previous one ends, the first at
-- 0 and only the last is open-ended, so every company falls in exactly one segment.
with

ordered as (

    select
        segment,
        min_employees,
        max_employees,
        lag(max_employees) over (order by min_employees) as previous_max_employees,
        row_number() over (order by min_employees) as segment_position,
        count(*) over () as segments
    from {{ ref('sales_segments') }}

)

select *
from ordered
where
    (segment_position = 1 and min_employees <> 0)
    or (segment_position > 1 and min_employees is distinct from previous_max_employees)
    or (segment_position < segments and max_employees is null)
    or (segment_position = segments and max_employees is not null)
