{#- Closed-won ACV by quarter and sales motion (new_logo, expansion, renewal: see
    int_deal_motions_classified), with the actual mix against the target mix of growth bookings
    (`bookings_target_mix`). Growth bookings are new logo plus expansion; a motion's share of
    them counts only its deals from its `min_acv_eur` up, as the target is stated ("60% of growth
    from new logos above 50 kEUR"). Renewals keep an organisation's base and have no growth mix. -#}
{%- set target_mix = var('bookings_target_mix') %}
with

opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

motions as (

    select * from {{ ref('int_deal_motions_classified') }}

),

quarters as (

    {{ quarter_starts('opportunities', 'created_at') }}

),

motion_targets as (

    select
        'new_logo' as deal_motion,
        {{ target_mix.new_logo.share }} as target_growth_share,
        {{ target_mix.new_logo.min_acv_eur }} as min_acv_eur

    union all

    select
        'expansion' as deal_motion,
        {{ target_mix.expansion.share }} as target_growth_share,
        {{ target_mix.expansion.min_acv_eur }} as min_acv_eur

    union all

    select
        'renewal' as deal_motion,
        null as target_growth_share,
        null as min_acv_eur

),

won as (

    select
        opportunities.closed_quarter as quarter_start,
        motions.deal_motion,
        opportunities.amount_eur

    from opportunities
    inner join motions
        on opportunities.deal_id = motions.deal_id
    where opportunities.is_won

),

spine as (

    select
        quarters.quarter_start,
        motion_targets.deal_motion,
        motion_targets.target_growth_share,
        motion_targets.min_acv_eur

    from quarters
    cross join motion_targets

),

summed as (

    select
        spine.quarter_start,
        spine.deal_motion,
        spine.target_growth_share,
        spine.min_acv_eur,
        count(won.amount_eur) as deals_won,
        coalesce(sum(won.amount_eur), 0) as bookings_eur,
        count(won.amount_eur) filter (where won.amount_eur > spine.min_acv_eur)
            as target_sized_deals_won,
        coalesce(sum(won.amount_eur) filter (where won.amount_eur > spine.min_acv_eur), 0)
            as target_sized_bookings_eur

    from spine
    left join won
        on
            spine.quarter_start = won.quarter_start
            and spine.deal_motion = won.deal_motion
    group by 1, 2, 3, 4

),

final as (

    select
        quarter_start || ':' || deal_motion as bookings_quarter_motion_id,
        quarter_start,
        deal_motion,
        deals_won,
        bookings_eur,
        cast(bookings_eur as double)
        / nullif(sum(bookings_eur) over (partition by quarter_start), 0) as share_of_bookings,
        case when deal_motion != 'renewal' then target_sized_deals_won end
            as target_sized_deals_won,
        case when deal_motion != 'renewal' then target_sized_bookings_eur end
            as target_sized_bookings_eur,
        case
            when deal_motion != 'renewal'
                then
                    cast(target_sized_bookings_eur as double)
                    / nullif(
                        sum(bookings_eur) filter (where deal_motion != 'renewal')
                            over (partition by quarter_start),
                        0
                    )
        end as growth_mix_actual,
        cast(target_growth_share as double) as growth_mix_target,
        cast(min_acv_eur as decimal(18, 2)) as target_min_acv_eur

    from summed

)

select * from final
