{#- Each CRM company's size segment (seed sales_segments): the segment whose
    [min_employees, max_employees) range holds its head count. A company with an unknown head
    count falls in the smallest segment, as the seed documents. -#}
with

companies as (

    select * from {{ ref('int_crm_companies_selected') }}

),

segments as (

    select * from {{ ref('sales_segments') }}

),

smallest_segment as (

    select * from segments
    order by min_employees limit 1

),

final as (

    select
        companies.company_id,
        companies.employees,
        coalesce(segments.segment, smallest_segment.segment) as segment,
        coalesce(segments.is_bmanter_target, smallest_segment.is_bmanter_target)
            as is_bmanter_target

    from companies
    cross join smallest_segment
    left join segments
        on
            companies.employees >= segments.min_employees
            and (companies.employees < segments.max_employees or segments.max_employees is null)

)

select * from final
