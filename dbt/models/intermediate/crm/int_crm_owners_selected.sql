{#- The CRM's record owners (reps): HubSpot owners or Salesforce users. The company's CRM is the
    var crm_source; every model after staging reads the CRM through this layer, so the marts do
    not depend on it. -#}
with

crm_owners as (

    select * from {{ crm_ref('stg_crm__owners', 'stg_salesforce__users') }}

),

final as (

    select
        owner_id,
        email,
        first_name,
        last_name,
        full_name,
        role,
        team,
        quarterly_quota_eur,
        hired_date,
        created_at,
        updated_at,
        is_archived,
        loaded_at

    from crm_owners

)

select * from final
