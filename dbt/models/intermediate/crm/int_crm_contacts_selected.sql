{#- The CRM's people, one row each: HubSpot contacts, or Salesforce contacts and unconverted
    leads (int_salesforce_people_merged). The company's CRM is the var crm_source; every model
    after staging reads the CRM through this layer, so the marts do not depend on it. -#}
with

crm_contacts as (

    select * from {{ crm_ref('stg_crm__contacts', 'int_salesforce_people_merged') }}

),

final as (

    select
        contact_id,
        company_id,
        owner_id,
        email,
        first_name,
        last_name,
        job_title,
        source_channel,
        lifecycle_stage,
        created_at,
        bant_budget,
        bant_authority,
        bant_need,
        bant_timing,
        bant_qualified_at,
        bmanter_market,
        bmanter_reference,
        custom_properties,
        updated_at,
        is_archived,
        loaded_at

    from crm_contacts

)

select * from final
