"""The quality engine: what a suite is, how GX runs it on DuckDB, the scope and the report."""
