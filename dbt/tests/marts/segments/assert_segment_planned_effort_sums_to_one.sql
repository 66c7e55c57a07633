{#- The planned allocation of commercial effort (var segment_planned_effort, seed 003: 50% A, 35%
    B, 15% C) shares 100% of the sales time across exactly the segments A, B and C. -#}
{{ weights_problems(var('segment_planned_effort'), ['A', 'B', 'C']) }}
