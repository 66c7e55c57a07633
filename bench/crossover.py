"""Fixed and per-row costs of each engine from two bench scales, and where a Spark cluster
overtakes one DuckDB machine.

Usage: python -m bench.crossover [--small S] [--large M] [--nodes 8 --cores 16 ...]

Reads `data/bench/<scale>/report_spark.json` of two scales (`make bench SCALE=S TARGET=spark`
and `SCALE=M`). Per engine, a build's time is modelled as `nodes x f + rows x c`: a fixed cost
`f` per statement (a model, seed or data test: planning, a job, writing a table) and a cost `c`
per raw row. The same nodes run at both scales, so two points give both: `c` from the
difference, `f` from the rest. Fitted on the dbt phase's CPU seconds (the JVM included), which
the load of a shared machine moves less than wall time, and on the summed node times.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from dagster_project.paths import REPO_ROOT


@dataclass(frozen=True)
class Costs:
    """One engine's cost model: seconds per statement, and seconds per million raw rows."""

    per_statement_s: float
    per_million_rows_s: float


def fit_two_points(statements: int, rows: tuple[int, int], seconds: tuple[float, float]) -> Costs:
    """`seconds = statements x f + rows x c` through two (rows, seconds) points."""
    (rows_a, rows_b), (seconds_a, seconds_b) = rows, seconds
    per_row = (seconds_b - seconds_a) / (rows_b - rows_a)
    return Costs(
        per_statement_s=(seconds_a - rows_a * per_row) / statements,
        per_million_rows_s=per_row * 1e6,
    )


def crossover_rows(
    statements: int,
    duckdb: Costs,
    spark: Costs,
    duckdb_cores: int,
    spark_cores: int,
    efficiency: float,
    threads: int,
    fixed_factor: float = 1.0,
) -> float | None:
    """Raw rows above which the cluster builds faster; None when it never does.

    Costs in CPU seconds. The per-row work divides over the cores: DuckDB's perfectly over
    `duckdb_cores` of one machine, Spark's with `efficiency` (shuffles over the network,
    stragglers, storage farther away) over `spark_cores` of the cluster. The fixed cost of a
    statement is as measured (a cluster plans and schedules every statement too), `threads`
    statements at a time on either engine (dbt's threads); a cluster's may be `fixed_factor`
    times local mode's (a remote metastore, commits to object storage).
    """
    duckdb_row = duckdb.per_million_rows_s / 1e6 / duckdb_cores
    spark_row = spark.per_million_rows_s / 1e6 / (spark_cores * efficiency)
    spark_statement = spark.per_statement_s * fixed_factor
    extra_fixed = statements * (spark_statement - duckdb.per_statement_s) / threads
    if duckdb_row <= spark_row:
        return None
    return max(extra_fixed, 0.0) / (duckdb_row - spark_row)


def _load(scale: str) -> dict[str, Any]:
    path = REPO_ROOT / "data" / "bench" / scale / "report_spark.json"
    return json.loads(path.read_text())


def _shared_seconds(report: Mapping[str, Any]) -> tuple[float, float]:
    by_type = report["spark"]["nodes"]["by_type"].values()
    return sum(k["duckdb_s"] for k in by_type), sum(k["spark_s"] for k in by_type)


def fit(small: Mapping[str, Any], large: Mapping[str, Any]) -> dict[str, Any]:
    """Both engines' costs from two reports (CPU of the dbt phases, and summed node times)."""
    statements = large["spark"]["nodes"]["shared_nodes"]
    if small["spark"]["nodes"]["shared_nodes"] != statements:
        raise SystemExit(
            "the two Spark builds did not pass the same nodes "
            f"({small['spark']['nodes']['shared_nodes']} and {statements}): a stopped build?"
        )
    rows = (small["spark"]["raw_rows"], large["spark"]["raw_rows"])
    out: dict[str, Any] = {"statements": statements, "raw_rows": list(rows)}
    for label, phase in (("duckdb", "dbt"), ("spark", "spark_dbt")):
        cpu = (small["phases"][phase]["cpu_s"], large["phases"][phase]["cpu_s"])
        wall = (small["phases"][phase]["wall_s"], large["phases"][phase]["wall_s"])
        out[f"{label}_cpu"] = asdict(fit_two_points(statements, rows, cpu))
        out[f"{label}_wall"] = asdict(fit_two_points(statements, rows, wall))
    node_s = (_shared_seconds(small), _shared_seconds(large))
    for index, label in enumerate(("duckdb", "spark")):
        seconds = (node_s[0][index], node_s[1][index])
        out[f"{label}_node_times"] = asdict(fit_two_points(statements, rows, seconds))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", default="S")
    parser.add_argument("--large", default="M")
    parser.add_argument("--duckdb-cores", type=int, default=16)
    parser.add_argument("--nodes", type=int, nargs="+", default=[4, 8, 16, 32])
    parser.add_argument("--cores", type=int, default=16, help="cores per Spark node")
    parser.add_argument("--efficiency", type=float, default=0.5, help="of Spark's scaling")
    parser.add_argument("--threads", type=int, default=4, help="dbt threads on either engine")
    parser.add_argument(
        "--fixed-factor",
        type=float,
        default=1.0,
        help="the cluster's cost per statement as a multiple of local mode's (metastore, commits)",
    )
    args = parser.parse_args(argv)
    fitted = fit(_load(args.small), _load(args.large))
    print(json.dumps(fitted, indent=2))
    duckdb, spark = Costs(**fitted["duckdb_cpu"]), Costs(**fitted["spark_cpu"])
    for nodes in args.nodes:
        rows = crossover_rows(
            fitted["statements"], duckdb, spark, args.duckdb_cores, nodes * args.cores,
            args.efficiency, args.threads, args.fixed_factor,
        )  # fmt: skip
        text = "never" if rows is None else f"{rows / 1e9:,.1f} billion raw rows"
        print(f"{nodes} nodes x {args.cores} cores against {args.duckdb_cores} cores: {text}")


if __name__ == "__main__":
    main()
