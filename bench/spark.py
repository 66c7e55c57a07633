"""The Spark phases of `make bench SCALE=S|M|L TARGET=spark`, after extraction and DuckDB's dbt
phase on the same build warehouse: the raw handover to Parquet, the registration of the raw
tables, `dbt build` in a local Spark session, each in its own measured process.

Usage (the harness runs these): python -m bench.spark {handover,register,dbt} --build-db FILE
    --spark-dir DIR --target-path DIR --out phase.json

The Spark JVM is a child that pyspark never waits for, so `wait4` (bench/measure.py) would not
count its CPU: each Spark phase stops the JVM itself, reads its final CPU from /proc while it is
a zombie (exited, not reaped, so its time is counted once, here) and writes it to its phase file,
which the harness adds. Its memory is in the phase's sampled tree peak, as the JVM is a
descendant while it runs. The registration and the build each start a JVM (~20 s on an idle
core); the catalog (an embedded Derby metastore in the Spark dir) carries the tables between.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.measure import Measurement
from bench.report import dbt_breakdown

if TYPE_CHECKING:
    from bench.run import Bench

SPARK_PHASES = ("spark_handover", "spark_register", "spark_dbt")
_TICKS = os.sysconf("SC_CLK_TCK")


def zombie_cpu_seconds(pid: int, timeout_s: float = 120.0) -> float:
    """CPU of child `pid` (its own and its reaped children's) once it has exited, not reaped."""
    deadline = time.monotonic() + timeout_s
    while True:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        # state is field 3 (index 0 after the command name); utime..cstime are fields 14-17.
        if fields[0] == "Z" or time.monotonic() > deadline:
            return sum(int(value) for value in fields[11:15]) / _TICKS
        time.sleep(0.1)


def stop_jvm() -> float:
    """Stop the Spark session and its JVM; return the JVM's CPU seconds (0 without a JVM).

    Closing the gateway's stdin is how a JVM that pyspark started learns its driver is done:
    it exits on EOF, after its shutdown hooks (the catalog's Derby database closes cleanly).
    """
    from pyspark import SparkContext

    gateway = SparkContext._gateway
    if gateway is None:
        return 0.0
    if SparkContext._active_spark_context is not None:
        SparkContext._active_spark_context.stop()
    process = gateway.proc
    process.stdin.close()
    return zombie_cpu_seconds(process.pid)


def _spark_environment(spark_dir: Path, as_of: str) -> None:
    from dagster_project.spark.build import spark_env

    os.environ.update(spark_env(spark_dir, as_of))


def run_phase(phase: str, args: argparse.Namespace) -> dict[str, Any]:
    from dagster_project.metric_config import default_as_of_date
    from dagster_project.spark.build import dbt_in_process, register_args
    from dagster_project.spark.raw_handover import hand_over
    from dagster_project.transformation.cli_args import dbt_build_args

    handover_file = args.spark_dir / "handover.json"
    if phase == "handover":
        shutil.rmtree(args.spark_dir, ignore_errors=True)  # a fresh catalog and warehouse
        outcome = hand_over(args.build_db, args.spark_dir / "raw")
        handover_file.write_text(json.dumps(outcome))
        return {"success": True, **outcome}
    _spark_environment(args.spark_dir, args.as_of or default_as_of_date())
    if phase == "register":
        handed_over = json.loads(handover_file.read_text())
        success = dbt_in_process(register_args(args.spark_dir, handed_over), args.target_path)
    else:
        success = dbt_in_process(dbt_build_args(), args.target_path)
    results = args.target_path / "run_results.json"
    return {
        "success": success,
        "jvm_cpu_s": round(stop_jvm(), 2),
        "dbt_run_results": str(results) if phase == "dbt" and results.exists() else None,
    }


def measured_cpu(measurement: Measurement, outcome: Mapping[str, Any]) -> Measurement:
    """The phase's CPU with its JVM's added (which `wait4` did not see)."""
    from dataclasses import replace

    return replace(measurement, cpu_s=measurement.cpu_s + outcome.get("jvm_cpu_s", 0.0))


def _succeeded(run_results: Mapping[str, Any]) -> dict[str, float]:
    return {
        r["unique_id"]: r["execution_time"]
        for r in run_results.get("results", ())
        if r["status"] in ("success", "pass")
    }


def engine_nodes(
    duckdb_results: Mapping[str, Any], spark_results: Mapping[str, Any], heaviest: int = 10
) -> dict[str, Any]:
    """Spark / DuckDB on the nodes both built: per kind of node (summed node times), the
    `heaviest` models on Spark, and every shared model's pair of times (for the fitted costs)."""
    duck, spark = _succeeded(duckdb_results), _succeeded(spark_results)
    shared = sorted(duck.keys() & spark.keys())
    by_type: dict[str, dict[str, float]] = {}
    for uid in shared:
        kind = by_type.setdefault(uid.split(".")[0], {"nodes": 0, "duckdb_s": 0.0, "spark_s": 0.0})
        kind["nodes"] += 1
        kind["duckdb_s"] += duck[uid]
        kind["spark_s"] += spark[uid]
    for kind in by_type.values():
        kind["spark_vs_duckdb"] = round(kind["spark_s"] / kind["duckdb_s"], 2)
        kind["duckdb_s"] = round(kind["duckdb_s"], 2)
        kind["spark_s"] = round(kind["spark_s"], 2)
    models = [uid for uid in shared if uid.startswith("model.")]
    per_model = {uid.split(".")[-1]: [round(duck[uid], 3), round(spark[uid], 3)] for uid in models}
    ordered = sorted(per_model.items(), key=lambda item: -item[1][1])
    return {
        "shared_nodes": len(shared),
        "not_passed_on_spark": sorted(
            r["unique_id"]
            for r in spark_results.get("results", ())
            # Exposures are never run: dbt reports them skipped on either engine.
            if r["status"] not in ("success", "pass") and not r["unique_id"].startswith("exposure.")
        ),
        "by_type": dict(sorted(by_type.items())),
        "heaviest_models": [[name, *times] for name, times in ordered[:heaviest]],
        "per_model_duckdb_spark_s": per_model,
    }


def phase_ratios(phases: Mapping[str, Mapping[str, Any]]) -> dict[str, float | None]:
    """Spark's dbt phase against DuckDB's (wall and CPU), and the handover against extraction."""

    def ratio(numerator: str, denominator: str, key: str) -> float | None:
        top, bottom = phases.get(numerator, {}).get(key), phases.get(denominator, {}).get(key)
        return round(top / bottom, 2) if top is not None and bottom else None

    return {
        "spark_dbt_vs_duckdb_dbt_wall": ratio("spark_dbt", "dbt", "wall_s"),
        "spark_dbt_vs_duckdb_dbt_cpu": ratio("spark_dbt", "dbt", "cpu_s"),
        "handover_vs_extract_wall": ratio("spark_handover", "extract", "wall_s"),
    }


def summary(
    phases: Mapping[str, Mapping[str, Any]],
    duckdb_results: Mapping[str, Any],
    spark_results: Mapping[str, Any],
) -> dict[str, Any]:
    """The report's `spark` part."""
    handover = phases.get("spark_handover", {}).get("detail", {})
    return {
        "raw_rows": sum(handover.get("rows", {}).values()),
        "raw_rows_by_table": handover.get("rows", {}),
        "duckdb_dbt": dbt_breakdown(duckdb_results) if duckdb_results else {},
        "spark_dbt": dbt_breakdown(spark_results) if spark_results else {},
        "nodes": engine_nodes(duckdb_results, spark_results) if spark_results else {},
        "ratios": phase_ratios(phases),
    }


def format_spark(part: Mapping[str, Any]) -> list[str]:
    """The printed report's Spark lines."""
    if not part.get("nodes"):
        return ["spark: no dbt results"]
    nodes, ratios = part["nodes"], part["ratios"]
    lines = [
        f"spark: {part['raw_rows']:,} raw rows handed over; {nodes['shared_nodes']} nodes passed "
        f"on both engines, {len(nodes['not_passed_on_spark'])} not on Spark; "
        f"Spark / DuckDB dbt phase: wall {ratios['spark_dbt_vs_duckdb_dbt_wall']}x, "
        f"CPU {ratios['spark_dbt_vs_duckdb_dbt_cpu']}x",
    ]
    for kind, entry in nodes["by_type"].items():
        lines.append(
            f"  {kind}: {entry['nodes']} nodes, DuckDB {entry['duckdb_s']} s, "
            f"Spark {entry['spark_s']} s ({entry['spark_vs_duckdb']}x)"
        )
    lines.append("slowest models on Spark (Spark s, DuckDB s):")
    for name, duck_s, spark_s in nodes["heaviest_models"]:
        lines.append(f"  {name}: {spark_s:.2f} s, {duck_s:.2f} s")
    return lines


def run_spark_phases(bench: Bench, duckdb_dbt_dir: Path | None) -> dict[str, Any]:
    """The three Spark phases on the bench's build warehouse; returns the report's `spark` part.

    The JVM gets REVOPS_SPARK_DRIVER_MEMORY from the environment (the profile's default, 2g,
    is small past scale S; local mode runs the executors in the driver).
    """
    from bench.run import _phase, _read_json, pipeline_env

    spark_dir = bench.dirs.root / "spark"
    target = bench.dirs.root / "spark_target"
    env = {**pipeline_env(bench.dirs), "REVOPS_SPARK_DIR": str(spark_dir)}
    for name in SPARK_PHASES:
        out = bench.dirs.out(name)
        out.unlink(missing_ok=True)
        command = [sys.executable, "-m", "bench.spark", name.removeprefix("spark_")]
        command += ["--build-db", str(bench.dirs.build_db), "--spark-dir", str(spark_dir)]
        command += ["--target-path", str(target), "--out", str(out)]
        if bench.as_of_date:
            command += ["--as-of", bench.as_of_date]
        measurement = bench.measure(name, command, env)
        outcome = _read_json(out)
        bench.phases[name] = _phase(
            measured_cpu(measurement, outcome),
            f"JVM CPU {outcome['jvm_cpu_s']} s included" if "jvm_cpu_s" in outcome else "",
            outcome,
            bench.dirs.logs / f"{name}.log",
        )
        if measurement.returncode != 0:
            break
    duckdb_results = _read_json(duckdb_dbt_dir / "run_results.json") if duckdb_dbt_dir else {}
    return summary(bench.phases, duckdb_results, _read_json(target / "run_results.json"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("phase", choices=("handover", "register", "dbt"))
    parser.add_argument("--build-db", type=Path, required=True)
    parser.add_argument("--spark-dir", type=Path, required=True)
    parser.add_argument("--target-path", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--as-of", default="", help="as-of date (default: dbt_project.yml)")
    args = parser.parse_args(argv)
    args.spark_dir, args.target_path = args.spark_dir.resolve(), args.target_path.resolve()
    outcome = run_phase(args.phase, args)
    args.out.write_text(json.dumps(outcome, indent=2))
    sys.stdout.flush()
    sys.stderr.flush()
    # No interpreter shutdown: it could reap the stopped JVM, whose CPU is already counted.
    os._exit(0 if outcome["success"] else 1)


if __name__ == "__main__":
    main()
