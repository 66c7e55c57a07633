{#- Rows describing what is wrong with a configured set of weights (a dict var): they must name
    exactly `expected_keys`, each weight in [0, 1], and sum to 1. No row means the weights are
    sound. Decimal literals keep the sum exact (0.15 + 0.15 + ... is not 1 in floating point).
    Used by the singular tests on health weights, potential weights and planned effort. -#}
{% macro weights_problems(weights, expected_keys) -%}
with

configured as (

    select
        weight_key,
        cast(weight as decimal(9, 6)) as weight

    from (
        values
        {%- for key, weight in weights.items() %}
            ('{{ key }}', {{ weight }}){{ ',' if not loop.last }}
        {%- endfor %}
    ) as configured_weights (weight_key, weight)

),

expected as (

    select weight_key
    from (values {{ "('" ~ expected_keys | join("'), ('") ~ "')" }}) as expected_keys (weight_key)

),

problems as (

    select 'weights sum to ' || cast(sum(weight) as {{ type_text() }}) || ', not 1' as problem
    from configured
    having sum(weight) <> 1

    union all

    select 'weight of ' || weight_key || ' outside [0, 1]' as problem
    from configured
    where weight < 0 or weight > 1

    union all

    select 'unknown key ' || configured.weight_key as problem
    from configured
    left join expected on configured.weight_key = expected.weight_key
    where expected.weight_key is null

    union all

    select 'no weight for ' || expected.weight_key as problem
    from expected
    left join configured on expected.weight_key = configured.weight_key
    where configured.weight_key is null

)

select * from problems
{%- endmacro %}
