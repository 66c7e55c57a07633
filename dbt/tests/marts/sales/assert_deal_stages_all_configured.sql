-- Every stage the CRM uses must be configured in pipeline_stages: deal stage history joins the
-- seed, so a stage missing there would silently drop those entries from every sales metric.
select distinct deal_stage
from {{ ref('stg_crm__deal_stage_history') }}
where deal_stage not in (select stage from {{ ref('pipeline_stages') }})
