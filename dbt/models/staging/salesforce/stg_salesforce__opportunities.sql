{{ config(enabled=var('crm_source') == 'salesforce') }}

with

source as (

    select
        source_table.*,
        -- The record as JSON: the mapped fields are read by the org's field names.
        {{ row_to_json('source_table') }} as record

    from {{ source('salesforce', 'salesforce_opportunity') }} as source_table

),

-- The org's names for the contract's deal fields and values (the CRM mapping): one row.
account as (

    select
        {{ crm_contract_properties('deals') }}

    from {{ source('crm', 'crm_mapping') }}
    where object_type = 'deals'

),

renamed as (

    select
        source.{{ adapter.quote('Id') }} as deal_id,
        source.{{ adapter.quote('AccountId') }} as company_id,
        source.{{ adapter.quote('ContactId') }} as contact_id,
        source.{{ adapter.quote('OwnerId') }} as owner_id,
        source.{{ adapter.quote('Name') }} as deal_name,
        cast(source.{{ adapter.quote('Amount') }} as decimal(18, 2)) as amount,
        upper(source.{{ adapter.quote('CurrencyIsoCode') }}) as currency,
        -- Salesforce has no pipelines: every opportunity is in the one sales process.
        'default' as pipeline,
        -- Won and lost come from IsWon / IsClosed, not from the stage's name: an org may name
        -- (or add) closed stages as it likes, and the flags are what Salesforce reports on.
        case
            when
                cast(source.{{ adapter.quote('IsClosed') }} as boolean)
                and cast(source.{{ adapter.quote('IsWon') }} as boolean)
                then 'closedwon'
            when cast(source.{{ adapter.quote('IsClosed') }} as boolean) then 'closedlost'
            else {{ salesforce_value('dealstage') }}
        end as deal_stage,
        cast(source.{{ adapter.quote('IsClosed') }} as boolean) as is_closed,
        cast(source.{{ adapter.quote('IsWon') }} as boolean) as is_won,
        -- Salesforce stores a percentage (0-100); the warehouse keeps probabilities as fractions.
        cast(source.{{ adapter.quote('Probability') }} as decimal(5, 2)) / 100 as crm_probability,
        {{ iso_to_utc_timestamp('source.' ~ adapter.quote('CreatedDate')) }} as created_at,
        cast(source.{{ adapter.quote('CloseDate') }} as date) as close_date,
        {{ salesforce_value('deal_origin') }} as deal_origin,
        {{ salesforce_flag('meddic_metrics') }} as meddic_metrics,
        {{ salesforce_flag('meddic_economic_buyer') }} as meddic_economic_buyer,
        {{ salesforce_flag('meddic_decision_criteria') }} as meddic_decision_criteria,
        {{ salesforce_flag('meddic_decision_process') }} as meddic_decision_process,
        {{ salesforce_flag('meddic_identify_pain') }} as meddic_identify_pain,
        {{ salesforce_flag('meddic_champion') }} as meddic_champion,
        {{ salesforce_flag('meddpicc_paper_process') }} as meddpicc_paper_process,
        {{ salesforce_flag('meddpicc_competition') }} as meddpicc_competition,
        {{ json_text('source.record', ['Loss_Reason__c']) }} as closed_lost_reason,
        -- The opportunity's Type in HubSpot's deal-type values: Salesforce's default picklist
        -- (New Customer, Existing Customer - Upgrade ...) or the common New Business / Existing
        -- Business / Renewal.
        case
            when source.{{ adapter.quote('Type') }} in ('New Customer', 'New Business') then 'newbusiness'
            when source.{{ adapter.quote('Type') }} like 'Existing %' then 'existingbusiness'
            when source.{{ adapter.quote('Type') }} = 'Renewal' then 'renewal'
            else lower(source.{{ adapter.quote('Type') }})
        end as deal_type,
        {{ salesforce_custom_fields('source') }} as custom_properties,
        {{ crm_typed_columns('deals', 'source.record') }}
        {{ iso_to_utc_timestamp('source.' ~ adapter.quote('SystemModstamp')) }} as updated_at,
        cast(source.{{ adapter.quote('IsDeleted') }} as boolean) as is_archived,
        source._loaded_at as loaded_at

    from source
    cross join account

)

select * from renamed
