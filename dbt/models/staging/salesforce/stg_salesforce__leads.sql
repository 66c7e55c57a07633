{{ config(enabled=var('crm_source') == 'salesforce') }}

{{ salesforce_person(
    'salesforce_lead', 'lead_id', 'Account__c',
    [
        'cast(source.' ~ adapter.quote('IsConverted') ~ ' as boolean) as is_converted',
        'source.' ~ adapter.quote('ConvertedContactId') ~ ' as converted_contact_id',
        'source.' ~ adapter.quote('ConvertedAccountId') ~ ' as converted_account_id',
        'source.' ~ adapter.quote('ConvertedOpportunityId') ~ ' as converted_opportunity_id',
        'cast(source.' ~ adapter.quote('ConvertedDate') ~ ' as date) as converted_date',
    ]
) }}
