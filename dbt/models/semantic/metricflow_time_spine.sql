{#- The day-grain calendar MetricFlow joins metrics to (metric_time). It spans fifteen years before
    the as-of date to two years after it: wider than any history we load, so no metric falls off
    the calendar, and small (about 6,200 rows). -#}
with

days as (

    select
        {{ date_series(
            "cast('" ~ var('as_of_date') ~ "' as date) - interval '15 year'",
            "cast('" ~ var('as_of_date') ~ "' as date) + interval '2 year'",
            "interval '1 day'",
        ) }} as date_day

)

select * from days
