{#- The health score is a weighted average of five 0-100 signals: var health_weights must name
    exactly those five signals, each weight in [0, 1], and sum to 1, or the score leaves 0-100 and
    the band cut-offs lose their meaning. Decimal literals keep the sum exact (0.15 + 0.15 ...).
    Fails with one row describing the problem. -#}
{%- set weights = var('health_weights') -%}
{%- set signals = ['seat_activity', 'feature_breadth', 'depth', 'support_friction', 'sentiment'] -%}

with

configured as (

    select
        signal,
        cast(weight as decimal(9, 6)) as weight

    from (
        values
        {%- for signal, weight in weights.items() %}
            ('{{ signal }}', {{ weight }}){{ ',' if not loop.last }}
        {%- endfor %}
    ) as health_weights (signal, weight)

),

expected as (

    select signal
    from (values {{ "('" ~ signals | join("'), ('") ~ "')" }}) as signals (signal)

),

problems as (

    select 'weights sum to ' || cast(sum(weight) as varchar) || ', not 1' as problem
    from configured
    having sum(weight) <> 1

    union all

    select 'weight of ' || signal || ' outside [0, 1]' as problem
    from configured
    where weight < 0 or weight > 1

    union all

    select 'unknown signal ' || configured.signal as problem
    from configured
    left join expected on configured.signal = expected.signal
    where expected.signal is null

    union all

    select 'no weight for ' || expected.signal as problem
    from expected
    left join configured on expected.signal = configured.signal
    where configured.signal is null

)

select * from problems
