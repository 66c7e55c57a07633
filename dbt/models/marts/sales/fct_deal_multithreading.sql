{#- One row per deal: how many of the buying organisation's people the deal reaches and whether
    the buying roles are covered (int_deal_contacts_engaged: contacts associated with the deal
    or met in its activities; roles from job titles, seed buying_roles). A deal is
    multi-threaded from `multithreading_min_contacts` engaged contacts; its alert, for big new
    logos late in the cycle, is in deal_qualification_alerts. -#}
with

opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

motions as (

    select * from {{ ref('int_deal_motions_classified') }}

),

deal_contacts as (

    select * from {{ ref('int_deal_contacts_engaged') }}

),

committees as (

    select
        deal_id,
        count(*) as engaged_contacts,
        count(*) filter (where buying_role = 'decision_maker') as decision_makers,
        count(*) filter (where buying_role = 'influencer') as influencers,
        count(*) filter (where buying_role = 'champion') as champions

    from deal_contacts
    group by deal_id

),

final as (

    select
        opportunities.deal_id,
        opportunities.owner_id,
        opportunities.company_id,
        motions.deal_motion,
        opportunities.current_stage,
        opportunities.current_stage_order,
        opportunities.is_closed,
        opportunities.is_won,
        opportunities.amount_eur,
        coalesce(committees.engaged_contacts, 0) as engaged_contacts,
        coalesce(committees.decision_makers, 0) as decision_makers,
        coalesce(committees.influencers, 0) as influencers,
        coalesce(committees.champions, 0) as champions,
        coalesce(committees.decision_makers, 0) > 0 as has_decision_maker,
        coalesce(committees.influencers, 0) > 0 as has_influencer,
        coalesce(committees.champions, 0) > 0 as has_champion,
        coalesce(
            committees.decision_makers > 0 and committees.influencers > 0 and committees.champions > 0,
            false
        ) as are_buying_roles_covered,
        coalesce(committees.engaged_contacts, 0) >= {{ var('multithreading_min_contacts') }}
            as is_multithreaded

    from opportunities
    inner join motions
        on opportunities.deal_id = motions.deal_id
    left join committees
        on opportunities.deal_id = committees.deal_id

)

select * from final
