{{ config(enabled=var('crm_source') == 'salesforce') }}

{{ salesforce_person(
    'salesforce_lead', 'lead_id', 'Account__c',
    [
        'cast(source."IsConverted" as boolean) as is_converted',
        'source."ConvertedContactId" as converted_contact_id',
        'source."ConvertedAccountId" as converted_account_id',
        'source."ConvertedOpportunityId" as converted_opportunity_id',
        'cast(source."ConvertedDate" as date) as converted_date',
    ]
) }}
