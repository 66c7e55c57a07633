{#- A Salesforce person (Contact or Lead), in the columns of the CRM's people: the same fields on
    both objects, read through the CRM mapping (the org's names for the person fields and
    values). `record_key` names the id column, `company_field` the account lookup (a Contact's
    AccountId; a Lead's own lookup, as it has only a Company text), `own_columns` the object's
    further columns (SQL over `source`). One reading of the org's people. -#}
{% macro salesforce_person(source_table, record_key, company_field, own_columns=[]) -%}
with

source as (

    select
        source_table.*,
        -- The record as JSON: the mapped fields are read by the org's field names.
        {{ row_to_json('source_table') }} as record

    from {{ source('salesforce', source_table) }} as source_table

),

-- The org's names for the contract's person fields and values (the CRM mapping): one row.
account as (

    select
        {{ crm_contract_properties('contacts') }}

    from {{ source('crm', 'crm_mapping') }}
    where object_type = 'contacts'

),

renamed as (

    select
        source.{{ adapter.quote('Id') }} as {{ record_key }},
        source.{{ adapter.quote(company_field) }} as company_id,
        source.{{ adapter.quote('OwnerId') }} as owner_id,
        source.{{ adapter.quote('Email') }} as email,
        source.{{ adapter.quote('FirstName') }} as first_name,
        source.{{ adapter.quote('LastName') }} as last_name,
        source.{{ adapter.quote('Title') }} as job_title,
        {{ salesforce_value('hs_analytics_source') }} as source_channel,
        {{ salesforce_value('lifecyclestage') }} as lifecycle_stage,
        {{ salesforce_flag('bant_budget') }} as bant_budget,
        {{ salesforce_flag('bant_authority') }} as bant_authority,
        {{ salesforce_flag('bant_need') }} as bant_need,
        {{ salesforce_flag('bant_timing') }} as bant_timing,
        {{ iso_to_utc_timestamp(json_text_at('source.record', 'account.bant_qualified_at')) }} as bant_qualified_at,
        {{ salesforce_flag('bmanter_market') }} as bmanter_market,
        {{ salesforce_flag('bmanter_reference') }} as bmanter_reference,
        {%- for column in own_columns %}
        {{ column }},
        {%- endfor %}
        {{ salesforce_custom_fields('source') }} as custom_properties,
        {{ crm_typed_columns('contacts', 'source.record') }}
        {{ iso_to_utc_timestamp('source.' ~ adapter.quote('CreatedDate')) }} as created_at,
        {{ iso_to_utc_timestamp('source.' ~ adapter.quote('SystemModstamp')) }} as updated_at,
        cast(source.{{ adapter.quote('IsDeleted') }} as boolean) as is_archived,
        source._loaded_at as loaded_at

    from source
    cross join account

)

select * from renamed
{%- endmacro %}
