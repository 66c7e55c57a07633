{#- Salesforce records in staging. A record's fields are columns of its raw table (custom ones end
    in `__c`); a model reads the mapped ones from `source.record`, the record as JSON, by the
    org's field names in `account` (the CRM mapping, see crm_mapping.sql). -#}

{#- A record's contract value of a mapped field (null when it has none). -#}
{% macro salesforce_value(field) -%}
    {{ map_get('account.' ~ field ~ '_values', json_text_at('source.record', 'account.' ~ field)) }}
{%- endmacro %}

{#- A record's checkbox as a boolean. -#}
{% macro salesforce_flag(field) -%}
    {{ map_get('account.flags', json_text_at('source.record', 'account.' ~ field)) }}
{%- endmacro %}

{#- The record's custom fields (`__c`) as JSON, for fields no model column reads. -#}
{% macro salesforce_custom_fields(relation) -%}
    {{ return(adapter.dispatch('salesforce_custom_fields')(relation)) }}
{%- endmacro %}

{% macro default__salesforce_custom_fields(relation) -%}
    to_json(map_from_entries(list_filter(
        map_entries(cast(to_json({{ relation }}) as map(varchar, json))),
        lambda field: field.key like '%\_\_c' escape '\'
    )))
{%- endmacro %}

{#- Spark: the row's JSON read back as a map of text (the raw Salesforce columns are text), its
    `__c` entries kept, null values included as on DuckDB. -#}
{% macro spark__salesforce_custom_fields(relation) -%}
    to_json(
        map_filter(
            from_json({{ row_to_json(relation) }}, 'map<string, string>'),
            (field, value) -> endswith(field, '__c')
        ),
        map('ignoreNullFields', 'false')
    )
{%- endmacro %}

{#- An activity's (task's or event's) links. WhoId: a lead or a contact (after conversion
    Salesforce moves the lead's activities to its contact); WhatId: an opportunity (its ids
    start with the object prefix 006), an account or another object: only an opportunity is
    the activity's deal. -#}
{% macro salesforce_activity_links(relation) -%}
    {{ relation }}.{{ adapter.quote('WhoId') }} as contact_id,
        {{ relation }}.{{ adapter.quote('AccountId') }} as company_id,
        case
            when {{ relation }}.{{ adapter.quote('WhatId') }} like '006%'
                then {{ relation }}.{{ adapter.quote('WhatId') }}
        end as deal_id
{%- endmacro %}
