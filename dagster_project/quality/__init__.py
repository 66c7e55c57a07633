"""Quality gates: great-expectations suites on the raw tables and public marts, as Dagster checks.

suites.py (what a suite is), raw_suites.py and mart_suites.py (the rules), gx_runner.py (GX on
DuckDB frames), checks.py (Dagster asset checks), report.py (the HTML report of the last run).
"""
