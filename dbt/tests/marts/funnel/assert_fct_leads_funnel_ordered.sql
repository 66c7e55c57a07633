-- Funnel moments are ordered wherever present (funnel_lifecycle_history):
-- created <= MQL <= SQL <= opportunity <= customer. Returns every lead and pair out of order.
{%- set steps = ['created_at', 'mql_at', 'sql_at', 'opportunity_at', 'customer_at'] %}
{%- set pairs = [] %}
{%- for earlier in steps %}
    {%- for later in steps[loop.index:] %}
        {%- do pairs.append((earlier, later)) %}
    {%- endfor %}
{%- endfor %}

{% for earlier, later in pairs %}
    select
        lead_id,
        '{{ earlier }} > {{ later }}' as violation
    from {{ ref('fct_leads') }}
    where {{ earlier }} > {{ later }}
    {% if not loop.last %}union all{% endif %}
{% endfor %}
