{#- The potential score is a weighted average of four 0-100 criteria: var
    segment_potential_weights must name exactly those criteria, each weight in [0, 1], and sum
    to 1, or the potential classes' cut-offs lose their meaning. Fails with one row per problem. -#}
{{ weights_problems(
    var('segment_potential_weights'),
    ['employees', 'industry_fit', 'revenue_growth', 'unused_seats'],
) }}
