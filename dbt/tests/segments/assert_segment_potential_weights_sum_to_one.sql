{#- The potential score is a weighted average of four 0-100 criteria: var
    segment_potential_weights must name exactly those criteria, each weight in [0, 1], and sum
    to 1, or the potential classes' cut-offs lose their meaning. Fails with one row per problem. -#}
{%- set weights = var('segment_potential_weights') -%}
{%- set criteria = ['employees', 'industry_fit', 'revenue_growth', 'unused_seats'] -%}

with

configured as (

    select
        criterion,
        cast(weight as decimal(9, 6)) as weight

    from (
        values
        {%- for criterion, weight in weights.items() %}
            ('{{ criterion }}', {{ weight }}){{ ',' if not loop.last }}
        {%- endfor %}
    ) as segment_potential_weights (criterion, weight)

),

expected as (

    select criterion
    from (values {{ "('" ~ criteria | join("'), ('") ~ "')" }}) as criteria (criterion)

),

problems as (

    select 'weights sum to ' || cast(sum(weight) as varchar) || ', not 1' as problem
    from configured
    having sum(weight) <> 1

    union all

    select 'weight of ' || criterion || ' outside [0, 1]' as problem
    from configured
    where weight < 0 or weight > 1

    union all

    select 'unknown criterion ' || configured.criterion as problem
    from configured
    left join expected on configured.criterion = expected.criterion
    where expected.criterion is null

    union all

    select 'no weight for ' || expected.criterion as problem
    from expected
    left join configured on expected.criterion = configured.criterion
    where configured.criterion is null

)

select * from problems
