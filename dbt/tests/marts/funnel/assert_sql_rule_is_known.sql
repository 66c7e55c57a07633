-- The SQL rule is a choice between two definitions (funnel_sql); a misspelt value must stop the
-- build rather than silently fall back to BANT.
select '{{ var("sql_rule") }}' as sql_rule
where '{{ var("sql_rule") }}' not in ('bant', 'bmanter')
