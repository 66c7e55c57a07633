{{ config(enabled=var('crm_source') == 'salesforce') }}

{{ salesforce_lifecycle_history(
    'salesforce_contact_history', 'salesforce_contact', 'ContactId', 'contact_id'
) }}
