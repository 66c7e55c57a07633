"""What `run_pipeline` decides and shows around a run: which warehouse it writes (history.py),
which Dagster instance records it (instance.py), its console and log file (console.py) and the
closing summary (summary.py)."""
