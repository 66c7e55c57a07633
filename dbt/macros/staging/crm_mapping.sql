{#- The CRM mapping in staging. raw.crm_mapping (written by extraction from the landing folder's
    crm/mapping.yml, or the identity on the contract's names) gives, for each contract field, the
    account's property, and for each account value the contract value it stands for. A staging
    model selects one row of it, `account`, with the macros below, and reads each record of
    `source` through it: no property or value name of the account is typed into a model. -#}

{#- In `account`: the account's property of a contract field (null: the account has none). -#}
{% macro crm_property(field) -%}
    max(account_property) filter (where entry = 'property' and field = '{{ field }}') as {{ field }}
{%- endmacro %}

{#- In `account`: account value -> contract value, for one field (`<field>_values`). -#}
{% macro crm_values(field) -%}
    {{ map_agg('account_value', 'contract_value', "entry = 'value' and field = '" ~ field ~ "'") }}
        as {{ field }}_values
{%- endmacro %}

{#- In `account`: the account's yes/no values of its flags (checkboxes) -> true / false. -#}
{% macro crm_flags() -%}
    {{ map_agg('account_value', "contract_value = 'true'", "entry = 'value' and field = 'flag'") }}
        as flags
{%- endmacro %}

{#- The contract's fields of an object that the CRM mapping maps, in the contract's order, each
    with its kind (dbt_project.yml: vars.crm_contract_fields, which extraction reads too). -#}
{% macro crm_contract_fields(object_type) -%}
    {{ return(var('crm_contract_fields')[object_type]) }}
{%- endmacro %}

{#- In `account`: all that a staging model of either CRM reads a record's contract fields by:
    each field's property, the value map of each field with values, and the flags. One list for
    both CRMs, so that a new contract field reaches both. -#}
{% macro crm_contract_properties(object_type) -%}
    {%- set fields = crm_contract_fields(object_type) -%}
    {%- set columns = [] -%}
    {%- for field in fields -%}
        {%- do columns.append(crm_property(field)) -%}
    {%- endfor -%}
    {%- for field, kind in fields.items() if kind == 'values' -%}
        {%- do columns.append(crm_values(field)) -%}
    {%- endfor -%}
    {%- do columns.append(crm_flags()) -%}
    {#- One column a line, at the indentation of the `account` CTE's select list. -#}
    {{ columns | join(',\n        ') }}
{%- endmacro %}

{#- In `account`: every property the mapped fields read, left out of `custom_properties`. -#}
{% macro crm_mapped_properties() -%}
    {{ string_list_agg('account_property', "entry = 'property' and account_property is not null") }}
        as mapped_properties
{%- endmacro %}

{#- A record's text of a mapped field. -#}
{% macro crm_text(field) -%}
    {{ json_text_at('source.properties', 'account.' ~ field) }}
{%- endmacro %}

{#- A record's contract value of a mapped field: null when the record has none (extraction
    quarantines a value the mapping does not know). -#}
{% macro crm_value(field) -%}
    {{ map_get('account.' ~ field ~ '_values', json_text_at('source.properties', 'account.' ~ field)) }}
{%- endmacro %}

{#- A record's flag as a boolean (null when not yet answered). -#}
{% macro crm_flag(field) -%}
    cast({{ map_get('account.flags', json_text_at('source.properties', 'account.' ~ field)) }} as boolean)
{%- endmacro %}

{#- The record's other properties, as JSON: those that neither the model's own columns
    (a Jinja list of property names) nor the mapped fields read. -#}
{% macro crm_custom_properties(standard) -%}
    {{ json_object_without(
        'source.properties',
        array_concat_lists('account.mapped_properties', string_array(standard)),
    ) }}
{%- endmacro %}

{#- The custom properties the mapping asks for as typed columns (`columns:` of an object), one
    `<value> as <column>,` line each, read from `record` (JSON: a HubSpot record's properties, a
    Salesforce record as a whole, its `__c` fields among them). Read from the loaded mapping
    (raw.crm_mapping) when the model runs, so the columns follow the mapping without a change to
    the model or a new parse. A value that does not parse as its type is null here and stays as
    text in `custom_properties`. -#}
{% macro crm_typed_columns(object_type, record='source.properties') -%}
    {%- if execute -%}
        {%- set mapping = source('crm', 'crm_mapping') -%}
        {%- if mapping.schema is none -%}
            {#- A unit test: source() names its given rows, which no query can read before the
                model runs; the warehouse's loaded mapping (the source's schema, raw) says which
                columns the model has. -#}
            {%- set mapping = api.Relation.create(
                database=target.database, schema='raw', identifier='crm_mapping'
            ) -%}
        {%- endif -%}
        {%- set relation = load_relation(mapping) -%}
        {%- if relation is not none -%}
            {%- set columns = run_query(
                "select field, account_property, column_type from " ~ relation
                ~ " where object_type = '" ~ object_type ~ "' and entry = 'column'"
                ~ " order by mapping_line"
            ) -%}
            {%- for column in columns %}
        {{ crm_typed_value(json_text(record, [column[1]]), column[2]) }} as {{ column[0] }},
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{% macro crm_typed_value(expression, column_type) -%}
    {%- if column_type == 'boolean' -%}
        cast({{ map_get('account.flags', expression) }} as boolean)
    {%- elif column_type == 'integer' -%}
        {{ try_cast(expression, 'bigint') }}
    {%- elif column_type == 'decimal' -%}
        {{ try_cast(expression, 'decimal(38, 10)') }}
    {%- elif column_type == 'date' -%}
        {{ try_cast(expression, 'date') }}
    {%- elif column_type == 'timestamp' -%}
        {{ try_iso_to_utc_timestamp(expression) }}
    {%- else -%}
        {{ expression }}
    {%- endif -%}
{%- endmacro %}
