"""Benchmark harness: `make bench SCALE=S|M|L` (python -m bench.run).

scales.py (what S, M and L mean), measure.py (wall, CPU and memory of one phase run as a
subprocess tree), phases.py (the real pipeline, one Dagster selection per phase), baseline.py
(plain SQL in one DuckDB connection, the lower bound), postgres.py (the same dbt project on a
throwaway PostgreSQL), dag.py (model order from the manifest), report.py (JSON and table), run.py.
"""
