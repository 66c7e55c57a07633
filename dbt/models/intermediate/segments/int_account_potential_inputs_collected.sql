{#- The account-level inputs of the potential score that do not depend on revenue: company size,
    industry fit and seat white space, for every CRM company (customers and prospects alike:
    the segmentation ranks the whole account base, not only the paying part). -#}
with

companies as (

    select * from {{ ref('int_crm_companies_selected') }}

),

industry_fit as (

    select * from {{ ref('segment_industry_fit') }}

),

subscription_states as (

    select * from {{ ref('int_subscription_states_historized') }}

),

-- Seats paid for at the end of the as-of date (the subscriptions in force then).
current_seats as (

    select
        company_id,
        sum(seat_quantity) as paid_seats

    from subscription_states
    where
        is_paid
        and mrr_local > 0
        and (valid_to is null or valid_to >= {{ as_of_end_timestamp() }})
    group by company_id

),

final as (

    select
        companies.company_id,
        companies.name as company_name,
        companies.industry,
        companies.employees,
        coalesce(current_seats.paid_seats, 0) as paid_seats,
        coalesce(industry_fit.industry_fit_score, 0) as industry_fit_score,
        -- Size on a relative scale: the share of companies that are smaller (0-100).
        {{ round_double('100.0 * percent_rank() over (order by coalesce(companies.employees, 0))', 2) }}
            as employees_score,
    -- White space: the share of the company's employees who do not have a paid seat yet,
    -- the room left to sell more seats (all of it for a prospect).
        {{ round_double(
            '100.0 * greatest(
                1 - cast(coalesce(current_seats.paid_seats, 0) as double) / nullif(companies.employees, 0), 0
            )',
            2,
        ) }} as unused_seats_score

    from companies
    left join industry_fit
        on companies.industry = industry_fit.industry
    left join current_seats
        on companies.company_id = current_seats.company_id

)

select * from final
