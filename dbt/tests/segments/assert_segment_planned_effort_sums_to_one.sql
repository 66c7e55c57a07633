{#- The planned allocation of commercial effort (var segment_planned_effort, seed 003: 50% A, 35%
    B, 15% C) shares 100% of the sales time across exactly the segments A, B and C. -#}
{%- set planned = var('segment_planned_effort') -%}

with

configured as (

    select
        segment,
        cast(share as decimal(9, 6)) as share

    from (
        values
        {%- for segment, share in planned.items() %}
            ('{{ segment }}', {{ share }}){{ ',' if not loop.last }}
        {%- endfor %}
    ) as planned_effort (segment, share)

),

problems as (

    select 'planned shares sum to ' || cast(sum(share) as varchar) || ', not 1' as problem
    from configured
    having sum(share) <> 1

    union all

    select 'unknown segment ' || segment as problem
    from configured
    where segment not in ('A', 'B', 'C')

    union all

    select 'segments missing: ' || cast(3 - count(*) as varchar) as problem
    from configured
    having count(*) <> 3

)

select * from problems
