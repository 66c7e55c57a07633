"""Quality gates: great-expectations suites on the raw tables and public marts, as Dagster checks.

`suites/` holds the rules, one module per folder of dbt's marts (and `raw`); `engine/` runs them:
`suite.py` says what a suite is, `gx_runner.py` runs GX on DuckDB frames, handing it only the
rows `pushdown.py` selects as possible violations and, for event tables, only the landing dates
`landing_scope.py` finds loaded since they last passed; `report.py` writes the HTML report of the
last run. `checks.py` turns suites into Dagster asset checks.
"""
