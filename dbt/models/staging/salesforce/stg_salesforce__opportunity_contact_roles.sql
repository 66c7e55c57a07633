{{ config(enabled=var('crm_source') == 'salesforce') }}

with

source as (

    select * from {{ source('salesforce', 'salesforce_opportunity_contact_role') }}

),

-- One row per contact and opportunity, as HubSpot's deal associations: an org may give one
-- contact two roles on the same opportunity; the primary role (then the oldest) is kept.
final as (

    select distinct on (source."OpportunityId", source."ContactId")
        source."OpportunityId" || ':' || source."ContactId" as deal_contact_id,
        source."OpportunityId" as deal_id,
        source."ContactId" as contact_id,
        source."Role" as association_type,
        cast(source."IsPrimary" as boolean) as is_primary

    from source
    where not cast(source."IsDeleted" as boolean)
    order by
        source."OpportunityId" asc,
        source."ContactId" asc,
        cast(source."IsPrimary" as boolean) desc,
        source."CreatedDate" asc,
        source."Id" asc

)

select * from final
