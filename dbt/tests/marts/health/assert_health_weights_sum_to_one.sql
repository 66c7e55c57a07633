{#- The health score is a weighted average of five 0-100 signals: var health_weights must name
    exactly those five signals, each weight in [0, 1], and sum to 1, or the score leaves 0-100 and
    the band cut-offs lose their meaning. Fails with one row per problem. -#}
{{ weights_problems(
    var('health_weights'),
    ['seat_activity', 'feature_breadth', 'depth', 'support_friction', 'sentiment'],
) }}
