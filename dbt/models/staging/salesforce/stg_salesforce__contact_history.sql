{{ config(enabled=var('crm_source') == 'salesforce') }}

{{ salesforce_lifecycle_history('salesforce_contact_history', 'ContactId', 'contact_id') }}
