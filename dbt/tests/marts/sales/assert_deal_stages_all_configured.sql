-- Every stage the CRM uses must be configured in pipeline_stages: deal stage history joins the
-- seed, so a stage missing there would silently drop those entries from every sales metric.
select distinct stage_history.deal_stage
from {{ ref('int_crm_deal_stage_history_selected') }} as stage_history
left join {{ ref('pipeline_stages') }} as configured_stages
    on stage_history.deal_stage = configured_stages.stage
where configured_stages.stage is null
