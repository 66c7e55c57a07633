{{ config(enabled=var('crm_source') == 'salesforce') }}

with

source as (

    select * from {{ source('salesforce', 'salesforce_opportunity_contact_role') }}

),

-- One row per contact and opportunity, as HubSpot's deal associations: an org may give one
-- contact two roles on the same opportunity; the primary role (then the oldest) is kept.
{%- set opportunity = 'source.' ~ adapter.quote('OpportunityId') %}
{%- set contact = 'source.' ~ adapter.quote('ContactId') %}
{%- set is_primary = 'cast(source.' ~ adapter.quote('IsPrimary') ~ ' as boolean)' %}
final as (

    select {{ distinct_on([opportunity, contact]) }}
        {{ opportunity }} || ':' || {{ contact }} as deal_contact_id,
        {{ opportunity }} as deal_id,
        {{ contact }} as contact_id,
        source.{{ adapter.quote('Role') }} as association_type,
        {{ is_primary }} as is_primary

    from source
    where not cast(source.{{ adapter.quote('IsDeleted') }} as boolean)
    {{ distinct_on_order(
        [opportunity, contact],
        opportunity ~ ' asc, ' ~ contact ~ ' asc, ' ~ is_primary ~ ' desc, source.'
        ~ adapter.quote('CreatedDate') ~ ' asc, source.' ~ adapter.quote('Id') ~ ' asc'
    ) }}

)

select * from final
