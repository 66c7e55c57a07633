{#- Each lifecycle stage a person entered: HubSpot's lifecycle history, or a Salesforce lead's
    changes continued on its contact (int_salesforce_lifecycle_changes_merged). The company's
    CRM is the var crm_source; every model after staging reads the CRM through this layer, so
    the marts do not depend on it. -#}
with

crm_contact_lifecycle_history as (

    select *
    from {{ crm_ref('stg_crm__contact_lifecycle_history', 'int_salesforce_lifecycle_changes_merged') }}

),

final as (

    select
        contact_id,
        lifecycle_stage,
        changed_at,
        source_type

    from crm_contact_lifecycle_history

)

select * from final
