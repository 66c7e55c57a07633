{#- The planned allocation of commercial effort (var segment_planned_effort) shares 100% of
    the sales time across exactly the segments A, B and C. -#}
{{ weights_problems(var('segment_planned_effort'), ['A', 'B', 'C']) }}
