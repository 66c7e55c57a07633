{#- Every candidate lifecycle-stage entry of every lead, each tied to the source record that proves
    it (its evidence). One row per lead and stage: the first time the lead met the stage's
    definition by the end of the as-of date. The ordering rule (a stage reached after a later
    stage does not count) is applied by fct_lead_lifecycle_history.

    | stage       | moment                                                  | evidence             |
    | lead        | CRM contact created                                     | crm contact          |
    | mql         | score >= threshold with an intent signal                | the marketing signal |
    | sql         | SDR qualification (var sql_rule)                        | crm contact          |
    | pql         | Nth distinct core feature in a workspace it signed up  | product track event  |
    | activated   | Nth dashboard within the window of that sign-up         | product track event  |
    | opportunity | first deal on which it is the primary contact created   | crm deal             |
    | customer    | first such deal won, or first paid invoice of a         | crm deal / invoice   |
    |             | workspace it signed up, before the company won a deal   |                      |
-#}
with

leads as (

    select * from {{ ref('int_leads_filtered') }}

),

mqls as (

    select * from {{ ref('int_leads_mql_computed') }}

),

qualifications as (

    select * from {{ ref('int_leads_qualification_scored') }}

),

workspace_milestones as (

    select * from {{ ref('int_workspaces_milestones_computed') }}

),

deals as (

    select * from {{ ref('int_deals_enriched') }}

),

invoices as (

    select * from {{ ref('stg_billing__invoices') }}

),

billing_customers as (

    select * from {{ ref('stg_billing__customers') }}

),

crm_lifecycle_history as (

    select * from {{ ref('int_crm_contact_lifecycle_history_selected') }}

),

-- When the CRM itself first recorded the equivalent lifecycle stage: kept beside our moment so
-- RevOps can see where the CRM's own stage (set by hand or by workflows) disagrees.
crm_recorded as (

    select
        lead_id,
        lifecycle_stage,
        min(changed_at) as crm_recorded_at

    from (
        select
            contact_id as lead_id,
            case lifecycle_stage
                when 'marketingqualifiedlead' then 'mql'
                when 'salesqualifiedlead' then 'sql'
                else lifecycle_stage
            end as lifecycle_stage,
            changed_at
        from crm_lifecycle_history
    ) as renamed_stages
    group by lead_id, lifecycle_stage

),

first_paid_invoices as (

    select
        billing_customers.company_id,
        min(invoices.created_at) as first_paid_at,
        {{ arg_min('invoices.invoice_id', 'invoices.created_at') }} as invoice_id

    from invoices
    inner join billing_customers
        on invoices.customer_id = billing_customers.customer_id
    where
        invoices.status = 'paid'
        and invoices.amount_paid > 0
        and invoices.created_at < {{ as_of_end_timestamp() }}
    group by billing_customers.company_id

),

-- The company's first won deal: a company bought through sales makes the deal's contact the
-- customer, and its later invoices are not a second, self-serve acquisition.
company_first_wins as (

    select
        company_id,
        min(closed_at) as first_won_at

    from deals
    where is_won
    group by company_id

),

-- A lead becomes a customer when a deal it is the primary contact of is won, or, self-serve,
-- when the company of a workspace it signed up pays its first invoice before any deal was won.
customer_evidence as (

    select
        lead_id,
        closed_at as entered_at,
        'crm_deal' as evidence_source,
        deal_id as evidence_id

    from deals
    where
        is_won
        and lead_id is not null

    union all

    select
        workspace_milestones.lead_id,
        first_paid_invoices.first_paid_at as entered_at,
        'billing_invoice' as evidence_source,
        first_paid_invoices.invoice_id as evidence_id

    from workspace_milestones
    inner join first_paid_invoices
        on workspace_milestones.company_id = first_paid_invoices.company_id
    left join company_first_wins
        on workspace_milestones.company_id = company_first_wins.company_id
    where
        workspace_milestones.lead_id is not null
        and (
            company_first_wins.first_won_at is null
            or first_paid_invoices.first_paid_at < company_first_wins.first_won_at
        )

),

entries as (

    select
        lead_id,
        'lead' as lifecycle_stage,
        created_at as entered_at,
        'crm_contact' as evidence_source,
        lead_id as evidence_id

    from leads

    union all

    select
        lead_id,
        'mql' as lifecycle_stage,
        mql_at as entered_at,
        'marketing_signal' as evidence_source,
        mql_signal_id as evidence_id

    from mqls
    where mql_at is not null

    union all

    select
        lead_id,
        'sql' as lifecycle_stage,
        sql_qualified_at as entered_at,
        'crm_contact_qualification' as evidence_source,
        lead_id as evidence_id

    from qualifications
    where sql_qualified_at < {{ as_of_end_timestamp() }}

    union all

    select
        lead_id,
        'pql' as lifecycle_stage,
        min(pql_at) as entered_at,
        'product_event' as evidence_source,
        {{ arg_min('pql_event_id', 'pql_at') }} as evidence_id

    from workspace_milestones
    where
        lead_id is not null
        and pql_at is not null
    group by lead_id

    union all

    select
        lead_id,
        'activated' as lifecycle_stage,
        min(activated_at) as entered_at,
        'product_event' as evidence_source,
        {{ arg_min('activation_event_id', 'activated_at') }} as evidence_id

    from workspace_milestones
    where
        lead_id is not null
        and activated_at is not null
    group by lead_id

    union all

    select
        lead_id,
        'opportunity' as lifecycle_stage,
        min(created_at) as entered_at,
        'crm_deal' as evidence_source,
        {{ arg_min('deal_id', 'created_at') }} as evidence_id

    from deals
    where lead_id is not null
    group by lead_id

    union all

    select
        lead_id,
        'customer' as lifecycle_stage,
        min(entered_at) as entered_at,
        {{ arg_min('evidence_source', 'entered_at') }} as evidence_source,
        {{ arg_min('evidence_id', 'entered_at') }} as evidence_id

    from customer_evidence
    group by lead_id

),

-- Only leads of the lead list: contacts archived or created after the as-of date drop out.
final as (

    select
        entries.lead_id || ':' || entries.lifecycle_stage as lead_stage_entry_id,
        entries.lead_id,
        entries.lifecycle_stage,
        entries.entered_at,
        entries.evidence_source,
        entries.evidence_id,
        crm_recorded.crm_recorded_at

    from entries
    inner join leads
        on entries.lead_id = leads.lead_id
    left join crm_recorded
        on
            entries.lead_id = crm_recorded.lead_id
            and entries.lifecycle_stage = crm_recorded.lifecycle_stage

)

select * from final
