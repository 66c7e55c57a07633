"""The Spark bench's report part (bench/spark.py), on hand-written run results."""

from __future__ import annotations

from bench.spark import engine_nodes, phase_ratios


def _results(*nodes: tuple[str, str, float]) -> dict[str, object]:
    return {
        "results": [
            {"unique_id": uid, "status": status, "execution_time": seconds}
            for uid, status, seconds in nodes
        ]
    }


def test_nodes_both_engines_passed_are_compared_by_kind_and_model() -> None:
    duckdb = _results(
        ("model.p.a", "success", 1.0),
        ("model.p.b", "success", 2.0),
        ("test.p.t", "pass", 0.5),
        ("exposure.p.e", "skipped", 0.0),
    )
    spark = _results(
        ("model.p.a", "success", 10.0),
        ("model.p.b", "error", 3.0),
        ("test.p.t", "pass", 2.0),
        ("exposure.p.e", "skipped", 0.0),
    )
    nodes = engine_nodes(duckdb, spark)
    assert nodes["shared_nodes"] == 2
    assert nodes["not_passed_on_spark"] == ["model.p.b"]  # exposures are never run
    assert nodes["by_type"]["model"] == {
        "nodes": 1, "duckdb_s": 1.0, "spark_s": 10.0, "spark_vs_duckdb": 10.0
    }  # fmt: skip
    assert nodes["by_type"]["test"]["spark_vs_duckdb"] == 4.0
    assert nodes["per_model_duckdb_spark_s"] == {"a": [1.0, 10.0]}


def test_phase_ratios_divide_spark_by_duckdb() -> None:
    phases = {
        "extract": {"wall_s": 100.0},
        "dbt": {"wall_s": 50.0, "cpu_s": 40.0},
        "spark_handover": {"wall_s": 10.0},
        "spark_dbt": {"wall_s": 250.0, "cpu_s": 240.0},
    }
    assert phase_ratios(phases) == {
        "spark_dbt_vs_duckdb_dbt_wall": 5.0,
        "spark_dbt_vs_duckdb_dbt_cpu": 6.0,
        "handover_vs_extract_wall": 0.1,
    }
