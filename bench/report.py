"""Turn measurements into the report: ratios, target verdicts, dbt breakdowns, the stdout table.

Pure functions over plain dicts (the JSON the harness writes), so they are unit-tested.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bench.postgres import format_peer

# The pipeline phases a user waits for on a full build, in order; generation is not one of them.
FULL_RUN_PHASES = ("extract", "dbt", "quality", "publish")


@dataclass(frozen=True)
class Target:
    """A goal of the bench, stated for scale L on this 2-core, 24 GB machine."""

    label: str
    metric: str
    limit: float
    unit: str


TARGETS = (
    Target("full run (extract + dbt + checks + publish)", "full_run_s", 300, "s"),
    Target("peak memory of any pipeline phase", "peak_memory_mb", 8192, "MB"),
    Target("dbt phase / plain-SQL baseline", "dbt_vs_baseline", 1.5, "x"),
    Target("daily run", "daily_s", 60, "s"),
)


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 2)


def phase_wall(phases: Mapping[str, Mapping[str, Any]], name: str) -> float | None:
    phase = phases.get(name)
    return phase["wall_s"] if phase and phase.get("status") == "ok" else None


def headline(report: Mapping[str, Any]) -> dict[str, float | None]:
    """The numbers the targets are judged on, plus the ratios the issue asks for."""
    phases = report["phases"]
    walls = [phase_wall(phases, name) for name in FULL_RUN_PHASES]
    full_run = round(sum(walls), 1) if all(w is not None for w in walls) else None  # type: ignore[misc]
    pipeline_peaks = [
        phases[name]["peak_tree_mb"]
        for name in (*FULL_RUN_PHASES, "daily")
        if name in phases and phases[name].get("peak_tree_mb") is not None
    ]
    baseline = report.get("baseline", {})
    transform = baseline.get("transform", {})
    transform_s = transform["models_s"] + transform["tests_s"] if "models_s" in transform else None
    load_s = baseline.get("load", {}).get("load_s")
    dbt_nodes = _nodes(phases.get("dbt", {}))
    overhead = (
        (phase_wall(phases, "dbt") or 0) - transform_s
        if phase_wall(phases, "dbt") is not None and transform_s is not None
        else None
    )
    return {
        "full_run_s": full_run,
        "peak_memory_mb": round(max(pipeline_peaks), 0) if pipeline_peaks else None,
        "daily_s": phase_wall(phases, "daily"),
        "baseline_transform_s": round(transform_s, 2) if transform_s is not None else None,
        "dbt_vs_baseline": _ratio(phase_wall(phases, "dbt"), transform_s),
        "full_run_vs_baseline": _ratio(
            full_run, transform_s + load_s if transform_s is not None and load_s else None
        ),
        "extract_vs_plain_load": _ratio(phase_wall(phases, "extract"), load_s),
        # What dbt and dagster-dbt add to each node's SQL: the dbt phase less the replay of the
        # same SQL in one connection, per node run (models, seeds, tests).
        "dbt_overhead_per_node_ms": round(overhead / dbt_nodes * 1000, 1)
        if overhead is not None and dbt_nodes
        else None,
        "full_dbt_nodes": dbt_nodes or None,
        "daily_dbt_nodes": _nodes(phases.get("daily", {})) or None,
        "daily_vs_full": _ratio(phase_wall(phases, "daily"), full_run),
    }


def _nodes(phase: Mapping[str, Any]) -> int:
    """dbt nodes a phase ran, from its dbt breakdown (0 without one)."""
    per_type = phase.get("detail", {}).get("breakdown", {}).get("per_type", {})
    return int(sum(entry["nodes"] for entry in per_type.values()))


def verdicts(numbers: Mapping[str, float | None]) -> list[dict[str, Any]]:
    out = []
    for target in TARGETS:
        value = numbers.get(target.metric)
        out.append(
            {
                "target": target.label,
                "limit": target.limit,
                "unit": target.unit,
                "value": value,
                "met": None if value is None else value < target.limit,
            }
        )
    return out


def dbt_breakdown(run_results: Mapping[str, Any], top: int = 10) -> dict[str, Any]:
    """Where dbt's time went: node count and summed execution time per resource type, and the
    slowest nodes. With 2 threads the sum can exceed the wall time."""
    per_type: dict[str, dict[str, float]] = {}
    for result in run_results["results"]:
        kind = result["unique_id"].split(".")[0]
        entry = per_type.setdefault(kind, {"nodes": 0, "seconds": 0.0})
        entry["nodes"] += 1
        entry["seconds"] = round(entry["seconds"] + result["execution_time"], 3)
    ordered = sorted(run_results["results"], key=lambda r: -r["execution_time"])
    models = [r for r in ordered if r["unique_id"].startswith("model.")]
    return {
        "elapsed_s": round(run_results.get("elapsed_time", 0.0), 2),
        "per_type": per_type,
        "slowest": [[r["unique_id"], round(r["execution_time"], 2)] for r in ordered[:top]],
        "slowest_models": [[r["unique_id"], round(r["execution_time"], 2)] for r in models[:top]],
    }


def shared_node_seconds(
    first: Mapping[str, Any], second: Mapping[str, Any], statuses: Sequence[str] = ("success",)
) -> tuple[int, float, float]:
    """Nodes that succeeded in both runs: how many, and their summed time in each run."""

    def succeeded(run_results: Mapping[str, Any]) -> dict[str, float]:
        return {
            r["unique_id"]: r["execution_time"]
            for r in run_results["results"]
            if r["status"] in statuses
        }

    a, b = succeeded(first), succeeded(second)
    shared = a.keys() & b.keys()
    return len(shared), sum(a[uid] for uid in shared), sum(b[uid] for uid in shared)


def engine_comparison(
    duckdb_results: Mapping[str, Any],
    postgres_results: Mapping[str, Any],
    statuses: Sequence[str] = ("success", "pass"),
    heaviest: int = 10,
) -> dict[str, Any]:
    """DuckDB / PostgreSQL time on the nodes both ran, by kind of node (seed, model, data test)
    and for the `heaviest` models on DuckDB: a ratio below 1 means DuckDB was faster."""

    def succeeded(run_results: Mapping[str, Any]) -> dict[str, float]:
        return {
            r["unique_id"]: r["execution_time"]
            for r in run_results["results"]
            if r["status"] in statuses
        }

    duck, pg = succeeded(duckdb_results), succeeded(postgres_results)
    shared = duck.keys() & pg.keys()

    def ratio(duck_s: float, pg_s: float) -> float | None:
        return round(duck_s / pg_s, 2) if pg_s else None

    by_type: dict[str, dict[str, Any]] = {}
    for uid in shared:
        empty = {"nodes": 0, "duckdb_s": 0.0, "postgres_s": 0.0}
        kind = by_type.setdefault(uid.split(".")[0], empty)
        kind["nodes"] += 1
        kind["duckdb_s"] += duck[uid]
        kind["postgres_s"] += pg[uid]
    for kind in by_type.values():
        kind["duckdb_vs_postgres"] = ratio(kind["duckdb_s"], kind["postgres_s"])
        kind["duckdb_s"] = round(kind["duckdb_s"], 2)
        kind["postgres_s"] = round(kind["postgres_s"], 2)
    models = sorted((uid for uid in shared if uid.startswith("model.")), key=lambda u: -duck[u])
    return {
        "by_type": dict(sorted(by_type.items())),
        "heaviest_models": [
            {
                "model": uid.split(".")[-1],
                "duckdb_s": round(duck[uid], 2),
                "postgres_s": round(pg[uid], 2),
                "duckdb_vs_postgres": ratio(duck[uid], pg[uid]),
            }
            for uid in models[:heaviest]
        ],
    }


def _cell(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def format_table(report: Mapping[str, Any]) -> str:
    """The readable summary printed after a run."""
    rows = [("phase", "status", "wall s", "cpu s", "peak proc MB", "peak tree MB", "note")]
    for name, phase in report["phases"].items():
        rows.append(
            (
                name,
                phase["status"],
                _cell(phase.get("wall_s")),
                _cell(phase.get("cpu_s")),
                _cell(phase.get("peak_rss_mb"), 0),
                _cell(phase.get("peak_tree_mb"), 0),
                phase.get("note", ""),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = [
        "  ".join(
            cell.ljust(width) if i < 2 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row[:-1], widths, strict=True))
        )
        + (f"  {row[-1]}" if row[-1] else "")
        for row in rows
    ]
    numbers = report["headline"]
    lines += [
        "",
        f"full run {_cell(numbers['full_run_s'])} s; "
        f"dbt / baseline {_cell(numbers['dbt_vs_baseline'], 2)}x; "
        f"full run / baseline {_cell(numbers['full_run_vs_baseline'], 2)}x; "
        f"extract / plain load {_cell(numbers['extract_vs_plain_load'], 2)}x",
    ]
    lines += _dbt_lines(report)
    # The PostgreSQL peer prints its own part (bench/postgres.py).
    lines += format_peer(report.get("postgres", {}))
    machine = report.get("machine", {})
    if "load_average_at_start" in machine:
        lines.append(
            f"load average (1, 5, 15 min) at start {machine['load_average_at_start']}, "
            f"at end {machine.get('load_average_at_end', '-')}"
        )
    lines.append(f"targets (scale L, {report['scale']} measured here):")
    for verdict in report["targets"]:
        mark = {True: "met", False: "MISSED", None: "n/a"}[verdict["met"]]
        lines.append(
            f"  {verdict['target']}: {_cell(verdict['value'], 2)} {verdict['unit']} "
            f"(< {verdict['limit']:g}) {mark}"
        )
    return "\n".join(lines)


def _dbt_lines(report: Mapping[str, Any]) -> list[str]:
    """The goal table's dbt side: nodes of the full and the daily build, the per-node overhead,
    the daily run against the full one, and the ten slowest models of the full build."""
    numbers = report["headline"]
    lines = [
        f"dbt nodes: full build {_cell(numbers.get('full_dbt_nodes'), 0)}, daily run "
        f"{_cell(numbers.get('daily_dbt_nodes'), 0)}; overhead per node "
        f"{_cell(numbers.get('dbt_overhead_per_node_ms'))} ms (dbt phase - plain-SQL replay); "
        f"daily / full run {_cell(numbers.get('daily_vs_full'), 2)}x"
    ]
    slowest = report["phases"].get("dbt", {}).get("detail", {}).get("breakdown", {})
    if slowest.get("slowest_models"):
        lines.append("slowest models of the full build:")
        lines += [
            f"  {uid.split('.')[-1]}: {seconds:.2f} s" for uid, seconds in slowest["slowest_models"]
        ]
    return lines
