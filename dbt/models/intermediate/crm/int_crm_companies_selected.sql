{#- The CRM's companies: HubSpot companies or Salesforce accounts. The company's CRM is the var
    crm_source; every model after staging reads the CRM through this layer, so the marts do not
    depend on it. -#}
with

crm_companies as (

    select * from {{ crm_ref('stg_crm__companies', 'stg_salesforce__accounts') }}

),

final as (

    select
        company_id,
        name,
        domain,
        industry,
        country,
        employees,
        annual_revenue,
        owner_id,
        custom_properties,
        created_at,
        updated_at,
        is_archived,
        loaded_at

    from crm_companies

)

select * from final
