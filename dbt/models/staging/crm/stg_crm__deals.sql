with

source as (

    select * from {{ source('crm', 'crm_deals') }}

),

renamed as (

    select
        id as deal_id,
        -- HubSpot returns the primary association first.
        associations -> 'companies' -> 'results' -> 0 ->> 'id' as company_id,
        associations -> 'contacts' -> 'results' -> 0 ->> 'id' as contact_id,
        properties ->> 'hubspot_owner_id' as owner_id,
        properties ->> 'dealname' as deal_name,
        cast(properties ->> 'amount' as decimal(18, 2)) as amount,
        upper(properties ->> 'deal_currency_code') as currency,
        properties ->> 'pipeline' as pipeline,
        properties ->> 'dealstage' as deal_stage,
        {{ iso_to_utc_timestamp("coalesce(properties ->> 'createdate', \"createdAt\")") }} as created_at,
        cast({{ iso_to_utc_timestamp("properties ->> 'closedate'") }} as date) as close_date,
        properties ->> 'deal_origin' as deal_origin,
        cast(properties ->> 'meddic_metrics' as boolean) as meddic_metrics,
        cast(properties ->> 'meddic_economic_buyer' as boolean) as meddic_economic_buyer,
        cast(properties ->> 'meddic_decision_criteria' as boolean) as meddic_decision_criteria,
        cast(properties ->> 'meddic_decision_process' as boolean) as meddic_decision_process,
        cast(properties ->> 'meddic_identify_pain' as boolean) as meddic_identify_pain,
        cast(properties ->> 'meddic_champion' as boolean) as meddic_champion,
        cast(properties ->> 'meddpicc_paper_process' as boolean) as meddpicc_paper_process,
        cast(properties ->> 'meddpicc_competition' as boolean) as meddpicc_competition,
        properties ->> 'closed_lost_reason' as closed_lost_reason,
        {{ iso_to_utc_timestamp('"updatedAt"') }} as updated_at,
        cast(archived as boolean) as is_archived,
        _loaded_at as loaded_at

    from source

)

select * from renamed
