{{ config(enabled=var('crm_source') == 'salesforce') }}

{#- Salesforce's calls and emails (tasks) and meetings (events), as one list of activities. -#}
with

tasks as (

    select * from {{ ref('stg_salesforce__tasks') }}

),

events as (

    select * from {{ ref('stg_salesforce__events') }}

),

activities as (

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

    from tasks

    union all

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

    from events

)

select * from activities
