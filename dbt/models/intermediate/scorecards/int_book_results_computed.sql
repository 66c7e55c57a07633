{#- The results of each account-owning rep (CSM and AM) and period, over their book: the CRM
    companies they own (the company owner; the CRM does not export its history, so the book is
    today's). Each result reads the mart that defines it, so a scorecard and the company-level
    marts never disagree; which of them a role is judged on is configuration.

    - health_score_mean, green_account_share, red_account_share: over the book's accounts
      measured in the period, each at its last weekly health score of the period (fct_account_health);
    - nps: % promoters - % detractors of the NPS answers of the book's accounts in the period
      (`nps_promoter_min`, `nps_detractor_max`); onboarding_csat: their mean onboarding CSAT;
    - time_to_value_days: median days from sign-up to activation of the book's workspaces
      activated in the period (int_workspaces_milestones_computed);
    - logo_churn_rate: of the book's customers paying when the period began (fct_mrr), the share
      that churned in it;
    - nrr: the book's net revenue retention at the period's last month, as metrics_revenue_monthly
      defines it (the MRR now of the customers paying `nrr_window_months` earlier, over their MRR
      then);
    - expansion_mrr_eur: MRR added by the book's expansions in the period; expansion_rate: that
      over the book's MRR when the period began;
    - upsell_pipeline_eur: EUR amount of the book's expansion deals (upsell / cross-sell,
      int_deal_motions_classified) open at the period's end;
    - renewal_rate_arr: of the ARR of the book's term contracts whose renewal came due in the
      period and is decided, the share renewed (int_subscription_renewals_due). -#}
with

reps as (

    select * from {{ ref('int_rep_periods_spined') }}
    where role in ('CSM', 'AM')

),

companies as (

    select * from {{ ref('int_crm_companies_selected') }}

),

account_health as (

    select * from {{ ref('fct_account_health') }}

),

survey_responses as (

    select * from {{ ref('stg_success__survey_responses') }}

),

mrr as (

    select * from {{ ref('fct_mrr') }}

),

renewals_due as (

    select * from {{ ref('int_subscription_renewals_due') }}

),

workspaces as (

    select * from {{ ref('int_workspaces_milestones_computed') }}

),

opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

deal_motions as (

    select * from {{ ref('int_deal_motions_classified') }}

),

-- Each dated row once per period grain, keyed by the period it falls in (macro
-- in_scorecard_periods): joined to the books on (company, grain, period start).
health_periods as (

    {{ in_scorecard_periods('account_health', 'account_health.week_start') }}

),

survey_periods as (

    {{ in_scorecard_periods('survey_responses', 'survey_responses.responded_at') }}

),

mrr_periods as (

    {{ in_scorecard_periods('mrr', 'mrr.month_start') }}

),

activation_periods as (

    {{ in_scorecard_periods('workspaces', 'workspaces.activated_at') }}

),

renewal_periods as (

    {{ in_scorecard_periods('renewals_due', 'renewals_due.due_at') }}

),

books as (

    select
        reps.rep_period_id,
        reps.period_grain,
        reps.period_start,
        reps.period_end,
        companies.company_id

    from reps
    inner join companies
        on reps.owner_id = companies.owner_id
    where not companies.is_archived

),

last_health as (

    select {{ distinct_on(['books.rep_period_id', 'books.company_id']) }}
        books.rep_period_id,
        health_periods.health_score,
        health_periods.health_band

    from books
    inner join health_periods
        on
            books.company_id = health_periods.company_id
            and books.period_grain = health_periods.period_grain
            and books.period_start = health_periods.period_start
    {{ distinct_on_order(
        ['books.rep_period_id', 'books.company_id'],
        'books.rep_period_id asc, books.company_id asc, health_periods.week_start desc'
    ) }}

),

health as (

    select
        rep_period_id,
        count(*) as accounts,
        avg(health_score) as health_score_mean,
        cast(count(*) filter (where health_band = 'green') as double) / count(*)
            as green_account_share,
        cast(count(*) filter (where health_band = 'red') as double) / count(*)
            as red_account_share

    from last_health
    group by rep_period_id

),

surveys as (

    select
        books.rep_period_id,
        count(*) filter (where survey_responses.survey_type = 'nps') as nps_responses,
        100.0 * (
            count(*) filter (
                where
                survey_responses.survey_type = 'nps'
                and survey_responses.score >= {{ var('nps_promoter_min') }}
            )
            - count(*) filter (
                where
                survey_responses.survey_type = 'nps'
                and survey_responses.score <= {{ var('nps_detractor_max') }}
            )
        ) / nullif(count(*) filter (where survey_responses.survey_type = 'nps'), 0) as nps,
        count(*) filter (where survey_responses.survey_type = 'onboarding_csat')
            as csat_responses,
        avg(survey_responses.score) filter (where survey_responses.survey_type = 'onboarding_csat')
            as onboarding_csat

    from books
    inner join survey_periods as survey_responses
        on
            books.company_id = survey_responses.company_id
            and books.period_grain = survey_responses.period_grain
            and books.period_start = survey_responses.period_start
            and survey_responses.responded_at < {{ as_of_end_timestamp() }}
    group by books.rep_period_id

),

-- The book's customers paying at the start of the period, and whether each churned in it.
churn_base as (

    select
        books.rep_period_id,
        opening.customer_id,
        bool_or(later.movement_type = 'churn') as has_churned

    from books
    inner join mrr as opening
        on
            books.company_id = opening.company_id
            and books.period_start = opening.month_start
            and opening.mrr_start_eur > 0
    left join mrr_periods as later
        on
            opening.customer_id = later.customer_id
            and books.period_grain = later.period_grain
            and books.period_start = later.period_start
    group by books.rep_period_id, opening.customer_id

),

-- NRR at the period's last month: the base is the book's customers paying nrr_window_months
-- before it, the retained MRR theirs at that month.
retention_base as (

    select
        books.rep_period_id,
        base.customer_id,
        base.mrr_eur as base_mrr_eur,
        coalesce(later.mrr_eur, 0) as current_mrr_eur

    from books
    inner join mrr as base
        on
            books.company_id = base.company_id
            and base.month_start
            = {{ dbt.dateadd(
                'month', -var('nrr_window_months'), "date_trunc('month', books.period_end)"
            ) }}
            and base.is_paying
    left join mrr as later
        on
            base.customer_id = later.customer_id
            and later.month_start = date_trunc('month', books.period_end)

),

retention as (

    select
        rep_period_id,
        count(*) as nrr_base_customers,
        cast(sum(current_mrr_eur) as double) / nullif(sum(base_mrr_eur), 0) as nrr

    from retention_base
    group by rep_period_id

),

movements as (

    select
        books.rep_period_id,
        sum(mrr.mrr_start_eur) filter (where mrr.month_start = books.period_start)
            as mrr_start_eur,
        coalesce(sum(mrr.movement_eur) filter (where mrr.movement_type = 'expansion'), 0)
            as expansion_mrr_eur,
        count(distinct mrr.customer_id) filter (where mrr.movement_type = 'expansion')
            as expanded_customers

    from books
    inner join mrr_periods as mrr
        on
            books.company_id = mrr.company_id
            and books.period_grain = mrr.period_grain
            and books.period_start = mrr.period_start
    group by books.rep_period_id

),

activations as (

    select
        books.rep_period_id,
        count(*) as workspaces_activated,
        {{ median('cast(workspaces.time_to_value_days as double)') }} as time_to_value_days

    from books
    inner join activation_periods as workspaces
        on
            books.company_id = workspaces.company_id
            and books.period_grain = workspaces.period_grain
            and books.period_start = workspaces.period_start
            and workspaces.activated_at < {{ as_of_end_timestamp() }}
    group by books.rep_period_id

),

upsell_pipeline as (

    select
        books.rep_period_id,
        count(*) as upsell_deals_open,
        sum(opportunities.amount_eur) as upsell_pipeline_eur

    from books
    inner join opportunities
        on
            books.company_id = opportunities.company_id
            and opportunities.created_at < books.period_end + interval '1 day'
            and (
                opportunities.closed_at is null
                or opportunities.closed_at >= books.period_end + interval '1 day'
            )
    inner join deal_motions
        on
            opportunities.deal_id = deal_motions.deal_id
            and deal_motions.deal_motion = 'expansion'
    group by books.rep_period_id

),

renewals as (

    select
        books.rep_period_id,
        count(*) as renewals_decided,
        cast(sum(renewals_due.arr_due_eur) filter (
            where renewals_due.is_renewed_on_time or renewals_due.is_renewed_late
        ) as double) / nullif(sum(renewals_due.arr_due_eur), 0) as renewal_rate_arr

    from books
    inner join renewal_periods as renewals_due
        on
            books.company_id = renewals_due.company_id
            and books.period_grain = renewals_due.period_grain
            and books.period_start = renewals_due.period_start
            and renewals_due.is_decided
    group by books.rep_period_id

),

churn as (

    select
        rep_period_id,
        count(*) as customers_start,
        count(*) filter (where has_churned) as churned_customers

    from churn_base
    group by rep_period_id

),

measured as (

    select
        reps.rep_period_id,
        coalesce(health.accounts, 0) as accounts,
        health.health_score_mean,
        health.green_account_share,
        health.red_account_share,
        coalesce(surveys.nps_responses, 0) as nps_responses,
        surveys.nps,
        coalesce(surveys.csat_responses, 0) as csat_responses,
        surveys.onboarding_csat,
        coalesce(churn.customers_start, 0) as customers_start,
        coalesce(churn.churned_customers, 0) as churned_customers,
        coalesce(retention.nrr_base_customers, 0) as nrr_base_customers,
        retention.nrr,
        coalesce(movements.expansion_mrr_eur, 0) as expansion_mrr_eur,
        coalesce(movements.expanded_customers, 0) as expanded_customers,
        movements.mrr_start_eur,
        coalesce(renewals.renewals_decided, 0) as renewals_decided,
        renewals.renewal_rate_arr,
        coalesce(activations.workspaces_activated, 0) as workspaces_activated,
        activations.time_to_value_days,
        coalesce(upsell_pipeline.upsell_deals_open, 0) as upsell_deals_open,
        coalesce(upsell_pipeline.upsell_pipeline_eur, 0) as upsell_pipeline_eur

    from reps
    left join health
        on reps.rep_period_id = health.rep_period_id
    left join surveys
        on reps.rep_period_id = surveys.rep_period_id
    left join churn
        on reps.rep_period_id = churn.rep_period_id
    left join retention
        on reps.rep_period_id = retention.rep_period_id
    left join movements
        on reps.rep_period_id = movements.rep_period_id
    left join renewals
        on reps.rep_period_id = renewals.rep_period_id
    left join activations
        on reps.rep_period_id = activations.rep_period_id
    left join upsell_pipeline
        on reps.rep_period_id = upsell_pipeline.rep_period_id

),

results as (

    select
        rep_period_id,
        'health_score_mean' as result,
        cast(health_score_mean as double) as actual,
        accounts as sample_size
    from measured

    union all

    select
        rep_period_id,
        'green_account_share' as result,
        green_account_share as actual,
        accounts as sample_size
    from measured

    union all

    select
        rep_period_id,
        'red_account_share' as result,
        red_account_share as actual,
        accounts as sample_size
    from measured

    union all

    select
        rep_period_id,
        'nps' as result,
        nps as actual,
        nps_responses as sample_size
    from measured

    union all

    select
        rep_period_id,
        'onboarding_csat' as result,
        onboarding_csat as actual,
        csat_responses as sample_size
    from measured

    union all

    select
        rep_period_id,
        'logo_churn_rate' as result,
        cast(churned_customers as double) / nullif(customers_start, 0) as actual,
        customers_start as sample_size
    from measured

    union all

    select
        rep_period_id,
        'nrr' as result,
        cast(nrr as double) as actual,
        nrr_base_customers as sample_size
    from measured

    union all

    select
        rep_period_id,
        'expansion_mrr_eur' as result,
        cast(expansion_mrr_eur as double) as actual,
        expanded_customers as sample_size
    from measured

    union all

    select
        rep_period_id,
        'expansion_rate' as result,
        cast(expansion_mrr_eur as double) / nullif(mrr_start_eur, 0) as actual,
        expanded_customers as sample_size
    from measured

    union all

    select
        rep_period_id,
        'renewal_rate_arr' as result,
        cast(renewal_rate_arr as double) as actual,
        renewals_decided as sample_size
    from measured

    union all

    select
        rep_period_id,
        'time_to_value_days' as result,
        time_to_value_days as actual,
        workspaces_activated as sample_size
    from measured

    union all

    select
        rep_period_id,
        'upsell_pipeline_eur' as result,
        cast(upsell_pipeline_eur as double) as actual,
        upsell_deals_open as sample_size
    from measured

),

final as (

    select
        rep_period_id || '|' || result as rep_period_result_id,
        rep_period_id,
        result,
        actual,
        sample_size

    from results

)

select * from final
