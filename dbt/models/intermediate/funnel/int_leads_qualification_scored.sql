{#- Sales qualification of each lead: BANT completeness, the 0-100 BMANTER score and the SQL moment
    under the selected rule (var `sql_rule`).

    - `bant` (default): SQL when the SDR stamped the lead qualified
      (`bant_qualified_at`) and Budget, Authority, Need and Timing are all confirmed. A stamp with
      a criterion not confirmed is not an SQL.
    - `bmanter`: SQL when the BMANTER score reaches `bmanter_sql_threshold`, at the
      moment the SDR qualified the lead: the BANT stamp, else the first time the CRM's lifecycle
      history put the lead in `salesqualifiedlead`.
    Any other value of `sql_rule` fails the build (test assert_sql_rule_is_known). -#}
with

contacts as (

    select * from {{ ref('int_crm_contacts_selected') }}

),

company_segments as (

    select * from {{ ref('int_companies_size_segmented') }}

),

lifecycle_history as (

    select * from {{ ref('int_crm_contact_lifecycle_history_selected') }}

),

criteria as (

    select * from {{ ref('bmanter_criteria') }}

),

leads as (

    select
        contacts.contact_id as lead_id,
        contacts.bant_budget,
        contacts.bant_authority,
        contacts.bant_need,
        contacts.bant_timing,
        contacts.bant_qualified_at,
        contacts.bmanter_market,
        contacts.bmanter_reference,
        company_segments.is_bmanter_target as is_target_size

    from contacts
    left join company_segments
        on contacts.company_id = company_segments.company_id
    where not contacts.is_archived

),

-- One row per lead and criterion; a union of one select per criterion rather than a lateral
-- values list, which Spark cannot fill from the outer row.
criteria_met as (

    select
        lead_id,
        'budget' as criterion,
        coalesce(bant_budget, false) as is_met
    from leads
    union all
    select
        lead_id,
        'market' as criterion,
        coalesce(bmanter_market, false) as is_met
    from leads
    union all
    select
        lead_id,
        'authority' as criterion,
        coalesce(bant_authority, false) as is_met
    from leads
    union all
    select
        lead_id,
        'need' as criterion,
        coalesce(bant_need, false) as is_met
    from leads
    union all
    select
        lead_id,
        'timing' as criterion,
        coalesce(bant_timing, false) as is_met
    from leads
    union all
    select
        lead_id,
        'entreprise' as criterion,
        coalesce(is_target_size, false) as is_met
    from leads
    union all
    select
        lead_id,
        'reference' as criterion,
        coalesce(bmanter_reference, false) as is_met
    from leads

),

bmanter_scores as (

    select
        criteria_met.lead_id,
        coalesce(cast(sum(criteria.points) filter (where criteria_met.is_met) as {{ type_hugeint() }}), 0)
            as bmanter_score

    from criteria_met
    inner join criteria
        on criteria_met.criterion = criteria.criterion
    group by criteria_met.lead_id

),

crm_sales_qualified as (

    select
        contact_id as lead_id,
        min(changed_at) as crm_sales_qualified_at

    from lifecycle_history
    where lifecycle_stage = 'salesqualifiedlead'
    group by contact_id

),

qualified as (

    select
        leads.lead_id,
        leads.bant_budget,
        leads.bant_authority,
        leads.bant_need,
        leads.bant_timing,
        coalesce(
            leads.bant_budget and leads.bant_authority and leads.bant_need and leads.bant_timing,
            false
        ) as is_bant_complete,
        leads.bant_qualified_at,
        bmanter_scores.bmanter_score,
        crm_sales_qualified.crm_sales_qualified_at

    from leads
    inner join bmanter_scores
        on leads.lead_id = bmanter_scores.lead_id
    left join crm_sales_qualified
        on leads.lead_id = crm_sales_qualified.lead_id

),

final as (

    select
        *,
        {% if var('sql_rule') == 'bmanter' -%}
            case
                when bmanter_score >= {{ var('bmanter_sql_threshold') }}
                    then coalesce(bant_qualified_at, crm_sales_qualified_at)
            end
        {%- else -%}
            case when is_bant_complete then bant_qualified_at end
        {%- endif %} as sql_qualified_at

    from qualified

)

select * from final
