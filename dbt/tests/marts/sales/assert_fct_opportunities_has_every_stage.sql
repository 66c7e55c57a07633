-- fct_opportunities has one `<stage>_at` column per stage of the pipeline_stages seed. A stage
-- added to the seed without its column (or a renamed one) fails here instead of going missing.
select configured_stages.stage
from {{ ref('pipeline_stages') }} as configured_stages
left join {{ relation_columns(ref('fct_opportunities')) }} as model_columns
    on model_columns.column_name = configured_stages.stage || '_at'
where model_columns.column_name is null
