{#- The CRM's deals: HubSpot deals or Salesforce opportunities (won and lost from IsWon /
    IsClosed, in staging). The company's CRM is the var crm_source; every model after staging
    reads the CRM through this layer, so the marts do not depend on it. -#}
with

crm_deals as (

    select * from {{ crm_ref('stg_crm__deals', 'stg_salesforce__opportunities') }}

),

final as (

    select
        deal_id,
        company_id,
        contact_id,
        owner_id,
        deal_name,
        amount,
        currency,
        pipeline,
        deal_stage,
        created_at,
        close_date,
        deal_origin,
        meddic_metrics,
        meddic_economic_buyer,
        meddic_decision_criteria,
        meddic_decision_process,
        meddic_identify_pain,
        meddic_champion,
        meddpicc_paper_process,
        meddpicc_competition,
        closed_lost_reason,
        deal_type,
        custom_properties,
        updated_at,
        is_archived,
        loaded_at

    from crm_deals

)

select * from final
