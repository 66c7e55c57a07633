{#- The CRM's calls, emails and meetings: HubSpot engagements, or Salesforce tasks and events
    (int_salesforce_activities_unioned). The company's CRM is the var crm_source; every model
    after staging reads the CRM through this layer, so the marts do not depend on it. -#}
with

crm_engagements as (

    select * from {{ crm_ref('stg_crm__engagements', 'int_salesforce_activities_unioned') }}

),

final as (

    select
        engagement_id,
        engagement_type,
        occurred_at,
        owner_id,
        contact_id,
        company_id,
        deal_id,
        call_duration_ms,
        email_direction,
        custom_properties,
        created_at,
        updated_at,
        is_archived,
        loaded_at

    from crm_engagements

)

select * from final
