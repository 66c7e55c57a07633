{{ config(enabled=var('crm_source') == 'salesforce') }}

{{ salesforce_lifecycle_history('salesforce_lead_history', 'LeadId', 'lead_id') }}
