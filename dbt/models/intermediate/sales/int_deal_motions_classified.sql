{#- Each deal's sales motion: new_logo (a company not yet a customer), expansion (an upsell or
    cross-sell to an existing customer) or renewal. The CRM's deal type says it where the company
    uses it (newbusiness, existingbusiness, renewal); otherwise a deal is an expansion when its
    company was already a customer when the deal was created (a deal of the company won before,
    or a paid subscription state in billing), and a new logo when not. -#}
with

deals as (

    select * from {{ ref('int_deals_enriched') }}

),

crm_deals as (

    select * from {{ ref('int_crm_deals_selected') }}

),

subscription_states as (

    select * from {{ ref('int_subscription_states_historized') }}

),

first_paid as (

    select
        company_id,
        min(valid_from) as first_paid_at

    from subscription_states
    where is_paid and company_id is not null
    group by company_id

),

first_won as (

    select
        company_id,
        min(closed_at) as first_won_at

    from deals
    where is_won and company_id is not null
    group by company_id

),

final as (

    select
        deals.deal_id,
        crm_deals.deal_type,
        coalesce(
            first_paid.first_paid_at < deals.created_at or first_won.first_won_at < deals.created_at,
            false
        ) as was_customer_at_creation,
        case
            when crm_deals.deal_type = 'newbusiness' then 'new_logo'
            when crm_deals.deal_type = 'existingbusiness' then 'expansion'
            when crm_deals.deal_type = 'renewal' then 'renewal'
            when
                first_paid.first_paid_at < deals.created_at
                or first_won.first_won_at < deals.created_at
                then 'expansion'
            else 'new_logo'
        end as deal_motion

    from deals
    inner join crm_deals
        on deals.deal_id = crm_deals.deal_id
    left join first_paid
        on deals.company_id = first_paid.company_id
    left join first_won
        on deals.company_id = first_won.company_id

)

select * from final
