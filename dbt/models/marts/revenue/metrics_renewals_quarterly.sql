{#- Renewal rate by quarter of the term end (int_subscription_renewals_due): of the term
    contracts whose renewal came due in the quarter and is decided, the share that renewed, on
    time or late within `renewal_grace_days`, counted in contracts (logos) and in ARR at stake.
    Distinct from NRR: it asks whether contracts up for renewal were kept, not how the revenue
    of a cohort grew. -#}
with

renewals as (

    select * from {{ ref('int_subscription_renewals_due') }}

),

quarters as (

    {{ quarter_starts('renewals', 'due_at') }}

),

summed as (

    select
        quarters.quarter_start,
        count(renewals.renewal_id) as renewals_due,
        count(renewals.renewal_id) filter (where renewals.is_decided) as renewals_decided,
        count(renewals.renewal_id) filter (where renewals.is_renewed_on_time)
            as renewed_on_time,
        count(renewals.renewal_id) filter (where renewals.is_renewed_late) as renewed_late,
        coalesce(sum(renewals.arr_due_eur) filter (where renewals.is_decided), 0)
            as arr_due_eur,
        coalesce(
            sum(renewals.arr_due_eur) filter (
                where renewals.is_renewed_on_time or renewals.is_renewed_late
            ),
            0
        ) as arr_renewed_eur

    from quarters
    left join renewals
        on quarters.quarter_start = renewals.due_quarter
    group by quarters.quarter_start

),

final as (

    select
        quarter_start,
        renewals_due,
        renewals_decided,
        renewals_due - renewals_decided as renewals_pending,
        renewed_on_time,
        renewed_late,
        renewals_decided - renewed_on_time - renewed_late as not_renewed,
        cast(renewed_on_time + renewed_late as double) / nullif(renewals_decided, 0)
            as renewal_rate_logos,
        arr_due_eur,
        arr_renewed_eur,
        cast(arr_renewed_eur as double) / nullif(arr_due_eur, 0) as renewal_rate_arr

    from summed

)

select * from final
