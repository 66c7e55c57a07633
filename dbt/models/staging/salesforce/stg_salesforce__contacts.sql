{{ config(enabled=var('crm_source') == 'salesforce') }}

{{ salesforce_person('salesforce_contact', 'contact_id', 'AccountId') }}
