"""The Spark target: raw handed over as Parquet, the dbt project built in a Spark session."""
