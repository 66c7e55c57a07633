{#- The contacts associated with each deal: HubSpot's deal-to-contact associations, or Salesforce's
    opportunity contact roles. The company's CRM is the var crm_source; every model after staging
    reads the CRM through this layer, so the marts do not depend on it. -#}
with

crm_deal_contacts as (

    select * from {{ crm_ref('stg_crm__deal_contacts', 'stg_salesforce__opportunity_contact_roles') }}

),

final as (

    select
        deal_contact_id,
        deal_id,
        contact_id,
        association_type,
        is_primary

    from crm_deal_contacts

)

select * from final
