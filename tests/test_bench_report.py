"""Report arithmetic and formatting of the benchmark (bench/report.py, scales, postgres)."""

from __future__ import annotations

from bench.postgres import (
    error_summary,
    format_peer,
    phase_ratios,
    postgres_type,
    summarize_run_results,
)
from bench.report import engine_comparison, format_table, headline, shared_node_seconds, verdicts
from bench.scales import SCALES, volume_check


def _phase(wall: float, tree_mb: float = 100.0) -> dict:
    return {
        "status": "ok",
        "wall_s": wall,
        "cpu_s": wall,
        "peak_rss_mb": 50.0,
        "peak_tree_mb": tree_mb,
    }


REPORT = {
    "scale": "L",
    "phases": {
        "generate": _phase(99.0, 9000.0),  # not a pipeline phase: its memory is not judged
        "extract": _phase(10.0),
        "dbt": _phase(30.0, 700.0),
        "quality": _phase(5.0),
        "publish": _phase(5.0),
        "daily": _phase(45.0, 650.0),
    },
    "baseline": {"transform": {"models_s": 4.0, "tests_s": 6.0}, "load": {"load_s": 2.0}},
}


def test_headline_sums_the_full_run_and_divides_by_the_baseline() -> None:
    numbers = headline(REPORT)
    assert numbers["full_run_s"] == 50.0
    assert numbers["peak_memory_mb"] == 700
    assert numbers["daily_s"] == 45.0
    assert numbers["dbt_vs_baseline"] == 3.0  # 30 / (4 + 6)
    assert numbers["full_run_vs_baseline"] == 4.17  # 50 / (4 + 6 + 2)
    assert numbers["extract_vs_plain_load"] == 5.0


def test_a_failed_phase_leaves_the_full_run_unknown() -> None:
    phases = {**REPORT["phases"], "quality": {**_phase(5.0), "status": "failed"}}
    numbers = headline({**REPORT, "phases": phases})
    assert numbers["full_run_s"] is None
    assert verdicts(numbers)[0]["met"] is None


def test_verdicts_compare_each_number_to_its_limit() -> None:
    met = {v["target"]: v["met"] for v in verdicts(headline(REPORT))}
    assert met == {
        "full run (extract + dbt + checks + publish)": True,
        "peak memory of any pipeline phase": True,
        "dbt phase / plain-SQL baseline": False,
        "daily run": True,
    }


def test_table_lists_phases_and_misses() -> None:
    numbers = headline(REPORT)
    text = format_table({**REPORT, "headline": numbers, "targets": verdicts(numbers)})
    lines = text.splitlines()
    assert lines[0].split()[:4] == ["phase", "status", "wall", "s"]
    assert lines[0].endswith("note")
    assert lines[2].split() == ["extract", "ok", "10.0", "10.0", "50", "100"]
    assert "dbt phase / plain-SQL baseline: 3.00 x (< 1.5) MISSED" in text


def test_shared_nodes_count_only_what_succeeded_in_both_runs() -> None:
    first = {
        "results": [
            {"unique_id": "a", "status": "success", "execution_time": 1.0},
            {"unique_id": "b", "status": "pass", "execution_time": 2.0},
            {"unique_id": "c", "status": "success", "execution_time": 4.0},
        ]
    }
    second = {
        "results": [
            {"unique_id": "a", "status": "success", "execution_time": 0.5},
            {"unique_id": "b", "status": "pass", "execution_time": 1.5},
            {"unique_id": "c", "status": "error", "execution_time": 0.1},
        ]
    }
    assert shared_node_seconds(first, second, ("success", "pass")) == (2, 3.0, 2.0)


def test_postgres_types_of_raw_columns() -> None:
    assert postgres_type("VARCHAR") == "text"
    assert postgres_type("JSON") == "json"
    assert postgres_type("DECIMAL(5,4)") == "numeric(5, 4)"
    assert postgres_type("STRUCT(a INTEGER)") == "json"
    assert postgres_type("TIMESTAMP WITH TIME ZONE") == "timestamptz"


def test_peer_summary_keeps_the_database_error() -> None:
    message = (
        "Database Error in model stg_x (models/staging/stg_x.sql)\n"
        "  function make_timestamp(bigint) does not exist\n  HINT: ..."
    )
    assert error_summary(message) == "function make_timestamp(bigint) does not exist"
    summary = summarize_run_results(
        {
            "results": [
                {"unique_id": "model.p.stg_x", "status": "error", "message": message},
                {"unique_id": "model.p.stg_y", "status": "success", "message": "OK"},
                {"unique_id": "model.p.fct_z", "status": "skipped", "message": None},
                {"unique_id": "test.p.t1", "status": "pass", "message": None},
            ]
        }
    )
    assert summary["models_built"] == ["stg_y"]
    assert summary["models_failed"] == {"stg_x": "function make_timestamp(bigint) does not exist"}
    assert summary["models_skipped"] == ["fct_z"]
    assert summary["by_type_and_status"]["test"] == {"pass": 1}


def test_volume_check_against_the_scale_targets() -> None:
    check = volume_check(SCALES["L"], {"crm_companies": 100_000, "billing_invoices": 620_000})
    assert check["billing_invoices"] == {"target": 1_000_000, "actual": 620_000, "ratio": 0.62}
    assert check["product_tracks"]["actual"] == 0


def test_engine_comparison_by_kind_and_heaviest_models() -> None:
    duck = {
        "results": [
            {"unique_id": "model.p.a", "status": "success", "execution_time": 3.0},
            {"unique_id": "model.p.b", "status": "success", "execution_time": 1.0},
            {"unique_id": "model.p.c", "status": "error", "execution_time": 9.0},
            {"unique_id": "test.p.t", "status": "pass", "execution_time": 0.5},
        ]
    }
    pg = {
        "results": [
            {"unique_id": "model.p.a", "status": "success", "execution_time": 6.0},
            {"unique_id": "model.p.b", "status": "success", "execution_time": 4.0},
            {"unique_id": "model.p.c", "status": "success", "execution_time": 1.0},
            {"unique_id": "test.p.t", "status": "pass", "execution_time": 0.25},
        ]
    }
    comparison = engine_comparison(duck, pg, heaviest=1)
    # c failed on DuckDB: left out; models 4 s against 10 s
    assert comparison["by_type"]["model"] == {
        "nodes": 2,
        "duckdb_s": 4.0,
        "postgres_s": 10.0,
        "duckdb_vs_postgres": 0.4,
    }
    assert comparison["by_type"]["test"]["duckdb_vs_postgres"] == 2.0
    assert comparison["heaviest_models"] == [
        {"model": "a", "duckdb_s": 3.0, "postgres_s": 6.0, "duckdb_vs_postgres": 0.5}
    ]


def test_peer_ratios_per_phase_and_node_kind() -> None:
    phases = {
        "extract": {"status": "ok", "wall_s": 20.0, "cpu_s": 30.0},
        "pg_load": {"status": "ok", "wall_s": 10.0, "cpu_s": 12.0},
        "dbt": {"status": "ok", "wall_s": 40.0, "cpu_s": 60.0},
        "pg_dbt": {"status": "ok", "wall_s": 80.0, "cpu_s": 150.0},
    }
    duck = {
        "elapsed_time": 30.0,
        "results": [
            {"unique_id": "model.p.a", "status": "success", "execution_time": 3.0},
            {"unique_id": "test.p.t", "status": "pass", "execution_time": 1.0},
        ],
    }
    pg = {
        "elapsed_time": 75.0,
        "results": [
            {"unique_id": "model.p.a", "status": "success", "execution_time": 12.0},
            {"unique_id": "test.p.t", "status": "pass", "execution_time": 0.5},
        ],
    }
    rows = phase_ratios(phases, duck, pg, engine_comparison(duck, pg))
    by_phase = {row["phase"]: row for row in rows}
    assert list(by_phase) == [
        "load raw",
        "dbt build (process)",
        "dbt build (dbt's elapsed)",
        "models (1, summed)",
        "data tests (1, summed)",
    ]
    assert (by_phase["load raw"]["wall_s_ratio"], by_phase["load raw"]["cpu_s_ratio"]) == (2.0, 2.5)
    assert by_phase["dbt build (process)"]["cpu_s_ratio"] == 0.4
    assert by_phase["dbt build (dbt's elapsed)"]["wall_s_ratio"] == 0.4
    assert by_phase["models (1, summed)"]["wall_s_ratio"] == 0.25
    assert by_phase["data tests (1, summed)"]["cpu_s_ratio"] is None
    # a phase that failed on one engine gives no ratio
    failed = {**phases, "pg_load": {"status": "failed", "wall_s": 1.0, "cpu_s": 1.0}}
    assert "load raw" not in {row["phase"] for row in phase_ratios(failed, duck, pg, {})}


def test_peer_lines_name_the_model_counts_and_the_heaviest_models() -> None:
    duck = {"results": [{"unique_id": "model.p.a", "status": "success", "execution_time": 3.0}]}
    pg = {"results": [{"unique_id": "model.p.a", "status": "success", "execution_time": 6.0}]}
    comparison = engine_comparison(duck, pg)
    peer = {
        "status": "ran",
        "models_built_by_engine": {"project": 2, "duckdb": 2, "postgres": 1},
        "models_failed": {"b": "function make_timestamp(bigint) does not exist"},
        "models_skipped": [],
        "comparison": comparison,
        "phase_ratios": phase_ratios({}, duck, pg, comparison),
    }
    lines = format_peer(peer)
    assert lines[0].startswith("postgres peer: models built: DuckDB 2, PostgreSQL 1 of 2;")
    assert "failed b: function make_timestamp(bigint) does not exist" in lines[1]
    assert lines[-1].split() == ["a", "3.00", "6.00", "0.50"]
    assert format_peer({"status": "skipped", "reason": "no initdb"}) == [
        "postgres peer: skipped (no initdb)"
    ]


def _breakdown(models: int, tests: int) -> dict:
    return {
        "breakdown": {
            "per_type": {
                "model": {"nodes": models, "seconds": 1.0},
                "test": {"nodes": tests, "seconds": 1.0},
            },
            "slowest_models": [["model.p.fct_mrr", 3.21], ["model.p.stg_tracks", 1.5]],
        }
    }


def test_the_goal_table_gives_the_per_node_overhead_the_daily_nodes_and_the_slowest_models() -> (
    None
):
    phases = {
        **REPORT["phases"],
        "dbt": {**_phase(30.0, 700.0), "detail": _breakdown(40, 160)},
        "daily": {**_phase(45.0, 650.0), "detail": _breakdown(10, 40)},
    }
    report = {**REPORT, "phases": phases, "machine": {"load_average_at_start": [1.5, 1.2, 1.0]}}
    numbers = headline(report)
    # (30 s dbt phase - 10 s replay) / 200 nodes; 45 s daily / 50 s full run.
    assert numbers["dbt_overhead_per_node_ms"] == 100.0
    assert (numbers["full_dbt_nodes"], numbers["daily_dbt_nodes"]) == (200, 50)
    assert numbers["daily_vs_full"] == 0.9
    table = format_table({**report, "headline": numbers, "targets": verdicts(numbers)})
    assert "dbt nodes: full build 200, daily run 50; overhead per node 100.0 ms" in table
    assert "  fct_mrr: 3.21 s" in table
    assert "load average (1, 5, 15 min) at start [1.5, 1.2, 1.0]" in table
