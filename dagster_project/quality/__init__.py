"""Quality gates: great-expectations suites on the raw tables and public marts, as Dagster checks.

suites.py says what a suite is; raw_suites.py and the <domain>_suites.py modules (assembled by
mart_suites.py) hold the rules; gx_runner.py runs GX on DuckDB frames, handing it only the rows
pushdown.py selects as possible violations and, for event tables, only the landing dates
landing_scope.py finds loaded since they last passed; checks.py turns suites into Dagster asset
checks; report.py writes the HTML report of the last run.
"""
