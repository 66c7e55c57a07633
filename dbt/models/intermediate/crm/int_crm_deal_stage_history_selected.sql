{#- Each stage a deal entered: HubSpot's deal stage history or Salesforce's OpportunityHistory.
    The company's CRM is the var crm_source; every model after staging reads the CRM through
    this layer, so the marts do not depend on it. -#}
with

crm_deal_stage_history as (

    select * from {{ crm_ref('stg_crm__deal_stage_history', 'stg_salesforce__opportunity_history') }}

),

final as (

    select
        deal_id,
        deal_stage,
        entered_at,
        source_type

    from crm_deal_stage_history

)

select * from final
