{{ config(enabled=var('crm_source') == 'salesforce') }}

{{ salesforce_lifecycle_history(
    'salesforce_lead_history', 'salesforce_lead', 'LeadId', 'lead_id'
) }}
