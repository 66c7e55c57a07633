{{ config(enabled=var('crm_source') == 'salesforce') }}

with

source as (

    select * from {{ source('salesforce', 'salesforce_contact_history') }}

),

-- The org's lifecycle stage field and its values (the CRM mapping): one row.
account as (

    select
        {{ crm_property('lifecyclestage') }},
        {{ crm_values('lifecyclestage') }}

    from {{ source('crm', 'crm_mapping') }}
    where object_type = 'contacts'

),

-- Field history tracks every tracked field of the Contact; the lifecycle stage's changes only.
changes as (

    select
        source."Id" as history_id,
        source."ContactId" as contact_id,
        account.lifecyclestage_values[source."NewValue"] as lifecycle_stage,
        {{ iso_to_utc_timestamp('source."CreatedDate"') }} as changed_at,
        cast(source."IsDeleted" as boolean) as is_archived

    from source
    cross join account
    where source."Field" = account.lifecyclestage

)

select * from changes
