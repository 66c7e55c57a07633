"""`make bench SCALE=S|M|L`: generate a company of that scale, time every pipeline phase, the
plain-SQL baseline and the PostgreSQL peer, and write `data/bench/<scale>/report.json`.

Usage: python -m bench.run --scale S [--seed 42] [--as-of 2026-09-30] [--reuse-landing] [--no-daily]
       [--target spark]

Every phase is a subprocess measured on its own (bench/measure.py). The pipeline phases run the
project's own assets through Dagster (bench/phases.py) against `data/bench/<scale>/`, with their
own build and published warehouses and Dagster home: nothing under data/warehouse is touched.
After the full run, the daily phase adds one landing day (`daily_generate`) and times the
incremental run that loads it (`daily`) on the full run's warehouse. `--target spark` stops the
pipeline after DuckDB's dbt phase and measures the Spark phases instead (bench/spark.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from bench import postgres, spark
from bench.measure import Limits, Measurement, run_measured
from bench.report import (
    dbt_breakdown,
    engine_comparison,
    format_table,
    headline,
    shared_node_seconds,
    verdicts,
)
from bench.scales import SCALES, Scale, volume_check
from dagster_project.paths import DBT_PROJECT_DIR, REPO_ROOT
from generator.daily_state import last_landing_date
from generator.generate import DEFAULT_END

PYTHON = sys.executable
# Where the pipeline's dbt step writes (transformation/project.py: dbt_run_target).
RUN_TARGET = DBT_PROJECT_DIR / "target" / "run"


@dataclass(frozen=True)
class BenchDirs:
    root: Path

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def build_db(self) -> Path:
        return self.root / "warehouse" / "build" / "revops.duckdb"

    @property
    def dbt_target(self) -> Path:
        return self.root / "dbt_target"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def out(self, name: str) -> Path:
        return self.root / "phases" / f"{name}.json"


def pipeline_env(dirs: BenchDirs) -> dict[str, str]:
    """The environment `make run` would have, pointed at the bench's data dir. dbt keeps
    dbt/target, where definitions read the manifest and runs write `run/`, as `make run` does."""
    env = dict(os.environ)
    env.update(
        REVOPS_DATA_DIR=str(dirs.root),
        REVOPS_LANDING_DIR=str(dirs.landing),
        REVOPS_DUCKDB_PATH=str(dirs.build_db),
        DAGSTER_HOME=str(dirs.root / "dagster_home"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    env.pop("DBT_TARGET_PATH", None)
    return env


def daily_run_command(day: date, as_of_date: str) -> list[str]:
    """The daily run measured after the full build: what the schedule starts once the day's
    files landed, the event partitions of that one landing day and whatever new object files
    it brought, then dbt (incremental models), checks and publish."""
    command = [PYTHON, "-m", "dagster_project.run_pipeline"]
    command += ["--from", day.isoformat(), "--to", day.isoformat()]
    return command + ["--as-of", as_of_date] if as_of_date else command


def next_landing_day(landing: Path) -> date:
    """The day after the last one landed: after the last increment, or after the last day of the
    initial export the bench generates (the generator's default history)."""
    return (last_landing_date(landing) or DEFAULT_END) + timedelta(days=1)


def drop_increments(landing: Path) -> list[Path]:
    """Remove the daily folders a previous bench run added, so a reused landing holds the
    initial export only and every run measures the same full build and the same next day."""
    stale = sorted(landing.glob("*/*/date=*"))
    for folder in stale:
        shutil.rmtree(folder)
    return stale


def _phase(
    measurement: Measurement | None,
    note: str = "",
    detail: Mapping[str, Any] | None = None,
    log: Path | None = None,
) -> dict[str, Any]:
    if measurement is None:
        return {"status": "skipped", "note": note}
    status = "ok" if measurement.returncode == 0 else "failed"
    return {
        "status": f"stopped: {measurement.stopped_for}" if measurement.stopped_for else status,
        **{
            key: round(value, 2)
            for key, value in asdict(measurement).items()
            if key not in ("returncode", "stopped_for")
        },
        "note": note,
        "detail": dict(detail or {}),
        "log": str(log) if log else None,
    }


def _read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.exists() else {}


class Bench:
    def __init__(
        self,
        scale: Scale,
        seed: int,
        as_of_date: str,
        reuse_landing: bool,
        limits: Limits,
        run_daily: bool = True,
        target: str = "duckdb",
    ) -> None:
        self.scale = scale
        self.target = target
        self.run_daily = run_daily
        self.limits = limits
        self.seed = seed
        self.as_of_date = as_of_date
        self.reuse_landing = reuse_landing
        self.dirs = BenchDirs(REPO_ROOT / "data" / "bench" / scale.name)
        self.phases: dict[str, dict[str, Any]] = {}

    def measure(
        self, name: str, command: Sequence[str], env: Mapping[str, str], watch: Sequence[int] = ()
    ) -> Measurement:
        log = self.dirs.logs / f"{name}.log"
        print(f"[bench {self.scale.name}] {name} ...", flush=True)
        measurement = run_measured(command, env, log, REPO_ROOT, watch, self.limits)
        print(
            f"[bench {self.scale.name}] {name}: {measurement.wall_s:.1f} s"
            + ("" if measurement.returncode == 0 else f" FAILED (see {log})"),
            flush=True,
        )
        return measurement

    def generate(self) -> dict[str, int]:
        counts = self.dirs.out("generate")
        counts.parent.mkdir(parents=True, exist_ok=True)
        if self.reuse_landing and counts.exists():
            dropped = drop_increments(self.dirs.landing)
            self.phases["generate"] = _phase(
                None,
                f"reused the landing files of a previous run ({len(dropped)} daily folders "
                "of its daily phase removed)",
            )
            return _read_json(counts)
        command = [PYTHON, "-m", "bench.generate", "--size", str(self.scale.size)]
        command += ["--seed", str(self.seed), "--out", str(self.dirs.landing)]
        measurement = self.measure("generate", [*command, "--counts", str(counts)], os.environ)
        rows = _read_json(counts)
        self.phases["generate"] = _phase(
            measurement, f"size {self.scale.size}, {sum(rows.values()):,} rows", {"rows": rows}
        )
        return rows

    def parse(self) -> None:
        """`make run` parses the dbt project before loading definitions; so does the bench."""
        command = [
            PYTHON,
            "-c",
            "from dagster_project.run_pipeline import prepare_dbt_manifest; prepare_dbt_manifest()",
        ]
        self.phases["parse"] = _phase(
            self.measure("parse", command, pipeline_env(self.dirs)), "dbt parse (manifest)"
        )
        # What the first `make run` after a parse finds: no parse state in the runs' folder, so
        # dagster-dbt copies in the one this parse wrote.
        RUN_TARGET.joinpath("partial_parse.msgpack").unlink(missing_ok=True)

    def pipeline_phase(self, name: str) -> dict[str, Any]:
        out = self.dirs.out(name)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.unlink(missing_ok=True)
        command = [PYTHON, "-m", "bench.phases", name, "--out", str(out)]
        if self.as_of_date:
            command += ["--as-of", self.as_of_date]
        measurement = self.measure(name, command, pipeline_env(self.dirs))
        outcome = _read_json(out)
        self.phases[name] = _phase(measurement, detail=outcome, log=self.dirs.logs / f"{name}.log")
        return outcome

    def extraction_rows(self) -> int:
        with duckdb.connect(str(self.dirs.build_db), read_only=True) as con:
            return int(con.execute("select sum(rows_read) from meta.loaded_files").fetchone()[0])

    def run_pipeline(self) -> Path | None:
        """Run the pipeline phases; return the dbt phase's target folder (manifest, results)."""
        shutil.rmtree(self.dirs.build_db.parent.parent, ignore_errors=True)
        (self.dirs.root / "dagster_home").mkdir(parents=True, exist_ok=True)
        self.parse()
        extract = self.pipeline_phase("extract")
        if self.phases["extract"]["status"] != "ok":
            return None
        rows = self.extraction_rows()
        phase = self.phases["extract"]
        phase["rows_per_s"] = round(rows / phase["wall_s"])
        phase["note"] = f"{rows:,} rows read, {phase['rows_per_s']:,} rows/s"
        steps = extract.get("steps", {})
        phase["detail"]["slowest_steps"] = sorted(steps.items(), key=lambda kv: -kv[1])[:5]
        (RUN_TARGET / "run_results.json").unlink(missing_ok=True)
        dbt = self.pipeline_phase("dbt")
        dbt_dir = self.keep_dbt_artifacts() if dbt.get("dbt_run_results") else None
        if dbt_dir:
            breakdown = dbt_breakdown(_read_json(dbt_dir / "run_results.json"))
            self.phases["dbt"]["detail"]["breakdown"] = breakdown
        if self.target == "spark":  # DuckDB's dbt phase is the Spark phases' reference
            return dbt_dir
        self.pipeline_phase("quality")
        self.pipeline_phase("publish")
        self.daily()
        return dbt_dir

    def keep_dbt_artifacts(self) -> Path:
        """The dbt phase's manifest, results and SQL, copied where the daily run will not
        overwrite them (the baseline replays that SQL); returns the copy's folder."""
        kept = self.dirs.dbt_target / "run"
        shutil.rmtree(kept, ignore_errors=True)
        ignored = shutil.ignore_patterns("warehouse", ".warehouse-*", "partial_parse.msgpack")
        shutil.copytree(RUN_TARGET, kept, ignore=ignored)
        return kept

    def daily(self) -> None:
        """One more landing day after the full run: its generation, then the run that loads it.

        The build warehouse of the full run persists, so the run sees its own previous state
        (file ledger, incremental models, validated landing dates), as a scheduled run would.
        """
        if not self.run_daily:
            self.phases["daily"] = _phase(None, "not run (--no-daily)")
            return
        day = next_landing_day(self.dirs.landing)
        counts = self.dirs.out("daily_generate")
        command = [PYTHON, "-m", "bench.generate", "--day", day.isoformat()]
        command += ["--seed", str(self.seed), "--out", str(self.dirs.landing)]
        measurement = self.measure(
            "daily_generate", [*command, "--counts", str(counts)], os.environ
        )
        rows = _read_json(counts)
        self.phases["daily_generate"] = _phase(
            measurement, f"landing day {day}: {sum(rows.values()):,} rows", {"rows": rows}
        )
        if measurement.returncode != 0:
            self.phases["daily"] = _phase(None, "no increment to load: daily_generate failed")
            return
        results = RUN_TARGET / "run_results.json"
        results.unlink(missing_ok=True)  # an earlier run's results are not this day's
        # A scheduled day finds the parse state of the run before it, made with the same profile;
        # whatever an earlier command left here may not be. Without one, dagster-dbt copies the
        # parse phase's, which was made with the run's profile (transformation/project.py).
        (results.parent / "partial_parse.msgpack").unlink(missing_ok=True)
        measurement = self.measure(
            "daily", daily_run_command(day, self.as_of_date), pipeline_env(self.dirs)
        )
        # What the daily run's dbt step built and tested (the run keeps dbt/target).
        detail = {"breakdown": dbt_breakdown(_read_json(results))} if results.exists() else None
        self.phases["daily"] = _phase(
            measurement,
            f"run_pipeline --from {day} --to {day} on the full run's warehouse",
            detail,
            log=self.dirs.logs / "daily.log",
        )

    def baseline(self, manifest: Path) -> dict[str, Any]:
        base = self.dirs.root / "baseline"
        db = base / self.dirs.build_db.name  # same file name, so the compiled catalog matches
        outcome: dict[str, Any] = {}
        command = [PYTHON, "-m", "bench.baseline", "prepare", "--build-db", str(self.dirs.build_db)]
        command += ["--db", str(db), "--out", str(base / "setup.json")]
        self.phases["baseline_setup"] = _phase(
            self.measure("baseline_setup", command, os.environ), "copy raw + seeds, not timed in"
        )
        command = [PYTHON, "-m", "bench.baseline", "transform", "--db", str(db)]
        command += ["--manifest", str(manifest), "--out", str(base / "transform.json")]
        measurement = self.measure("baseline_transform", command, os.environ)
        outcome["transform"] = _read_json(base / "transform.json")
        self.phases["baseline_transform"] = _phase(
            measurement,
            "the dbt phase's compiled SQL, one connection",
            {k: v for k, v in outcome["transform"].items() if k != "per_model_s"},
        )
        command = [PYTHON, "-m", "bench.baseline", "load", "--landing", str(self.dirs.landing)]
        command += ["--db", str(base / "load.duckdb"), "--out", str(base / "load.json")]
        measurement = self.measure("baseline_load", command, os.environ)
        outcome["load"] = _read_json(base / "load.json")
        self.phases["baseline_load"] = _phase(measurement, "DuckDB readers only, same files")
        for leftover in (db, base / "load.duckdb"):
            leftover.unlink(missing_ok=True)
        return outcome

    def postgres_peer(self, duckdb_run_results: Mapping[str, Any]) -> dict[str, Any]:
        if not self.scale.postgres_peer:
            return {
                "status": "skipped",
                "reason": f"the peer runs at S and M, not {self.scale.name}",
            }
        peer_dir = self.dirs.root / "postgres"
        try:
            with postgres.cluster(self.dirs.logs, postgres.SERVER_SETTINGS) as cluster:
                return self._postgres_run(cluster, peer_dir, duckdb_run_results)
        except postgres.PostgresUnavailable as missing:
            return {"status": "skipped", "reason": str(missing)}

    def _postgres_run(
        self, cluster: postgres.Cluster, peer_dir: Path, duckdb_run_results: Mapping[str, Any]
    ) -> dict[str, Any]:
        peer_dir.mkdir(parents=True, exist_ok=True)
        watch = [cluster.server.pid]
        command = [PYTHON, "-m", "bench.postgres", "load", "--build-db", str(self.dirs.build_db)]
        command += ["--port", str(cluster.port), "--out", str(peer_dir / "load.json")]
        self.phases["pg_load"] = _phase(
            self.measure("pg_load", command, os.environ, watch), "raw tables via CSV + COPY"
        )
        target = peer_dir / "target"
        shutil.rmtree(target, ignore_errors=True)
        command = [PYTHON, "-m", "bench.postgres", "build", "--port", str(cluster.port)]
        command += ["--target-path", str(target), "--out", str(peer_dir / "build.json")]
        if self.as_of_date:
            command += ["--as-of", self.as_of_date]
        env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
        measurement = self.measure("pg_dbt", command, env, watch)
        run_results = _read_json(target / "run_results.json")
        summary = postgres.summarize_run_results(run_results) if run_results else {}
        built = len(summary.get("models_built", []))
        self.phases["pg_dbt"] = _phase(
            measurement, f"{built} models built (dagster_project/postgres/build.py)"
        )
        # dbt exits non-zero when a model or test fails; the peer still measured what it built.
        self.phases["pg_dbt"]["status"] = "ok" if run_results else "failed"
        shared, duck_s, pg_s = (
            shared_node_seconds(duckdb_run_results, run_results, ("success", "pass"))
            if run_results and duckdb_run_results
            else (0, 0.0, 0.0)
        )
        comparison = (
            engine_comparison(duckdb_run_results, run_results)
            if run_results and duckdb_run_results
            else {}
        )
        duckdb_built = (
            postgres.summarize_run_results(duckdb_run_results)["models_built"]
            if duckdb_run_results
            else []
        )
        return {
            "status": "ran",
            "server_settings": postgres.SERVER_SETTINGS,
            "load": _read_json(peer_dir / "load.json"),
            "build": _read_json(peer_dir / "build.json"),
            **summary,
            "models_built_by_engine": {
                "project": postgres.project_models(_read_json(target / "manifest.json")),
                "duckdb": len(duckdb_built),
                "postgres": built,
            },
            "shared_nodes": shared,
            "duckdb_shared_s": round(duck_s, 2),
            "postgres_shared_s": round(pg_s, 2),
            "duckdb_vs_postgres": round(duck_s / pg_s, 2) if pg_s else None,
            "comparison": comparison,
            "phase_ratios": postgres.phase_ratios(
                self.phases, duckdb_run_results, run_results, comparison
            ),
        }


def _git_commit() -> str:
    result = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=REPO_ROOT, capture_output=True, text=True
    )
    return result.stdout.strip()


def _machine() -> dict[str, Any]:
    meminfo = Path("/proc/meminfo").read_text().split()
    return {
        "cores": os.cpu_count(),
        "memory_gb": round(int(meminfo[meminfo.index("MemTotal:") + 1]) / 1024**2, 1),
        "load_average_at_start": [round(v, 2) for v in os.getloadavg()],
    }


def rerun_postgres_peer(bench: Bench, report: dict[str, Any]) -> None:
    """The peer again (after a change to the project's SQL, say), compared with the DuckDB
    phases the last full run at this scale measured: its report, updated."""
    previous = _read_json(bench.dirs.root / "report.json")
    if not previous:
        raise SystemExit(f"no report in {bench.dirs.root}: run the whole bench at this scale first")
    bench.phases = {name: p for name, p in previous["phases"].items() if not name.startswith("pg_")}
    duckdb_results = _read_json(bench.dirs.dbt_target / "run" / "run_results.json")
    report = {**previous, **report, "postgres_rerun_of": previous["started_at"]}
    report["postgres"] = bench.postgres_peer(duckdb_results)
    report["phases"] = bench.phases
    report["machine"]["load_average_at_end"] = [round(v, 2) for v in os.getloadavg()]
    (bench.dirs.root / "report.json").write_text(json.dumps(report, indent=2))
    print(format_table(report))
    print(f"report: {bench.dirs.root / 'report.json'}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="S")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--as-of", default="", help="as-of date (default: dbt_project.yml)")
    parser.add_argument(
        "--reuse-landing", action="store_true", help="skip generation, reuse the previous files"
    )
    parser.add_argument(
        "--no-daily",
        action="store_true",
        help="skip the daily phase (one more landing day generated, then loaded incrementally)",
    )
    parser.add_argument("--phase-timeout", type=float, help="stop a phase after this many s")
    parser.add_argument(
        "--memory-cap-mb",
        type=float,
        default=16_000,
        help="stop a phase whose processes hold more than this (the machine is shared)",
    )
    parser.add_argument(
        "--postgres-only",
        action="store_true",
        help="rerun only the PostgreSQL peer, against the last full run's phases at this scale",
    )
    parser.add_argument(
        "--target",
        choices=("duckdb", "spark"),
        default="duckdb",
        help="spark: after DuckDB's dbt phase, the raw handover and dbt build on local Spark",
    )
    args = parser.parse_args(argv)
    scale = SCALES[args.scale]
    limits = Limits(timeout_s=args.phase_timeout, memory_mb=args.memory_cap_mb)
    bench = Bench(
        scale, args.seed, args.as_of, args.reuse_landing, limits, not args.no_daily, args.target
    )
    bench.dirs.root.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {
        "scale": scale.name,
        "size": scale.size,
        "seed": args.seed,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _git_commit(),
        "machine": _machine(),
    }
    if args.postgres_only:
        rerun_postgres_peer(bench, report)
        return
    rows = bench.generate()
    report["volumes"] = volume_check(scale, rows)
    dbt_dir = bench.run_pipeline()
    if args.target == "spark":
        report["spark"] = spark.run_spark_phases(bench, dbt_dir) if dbt_dir else {}
        report["baseline"] = {}
        report["postgres"] = {"status": "skipped", "reason": "TARGET=spark"}
    elif dbt_dir is None:  # nothing compiled to replay or compare against
        report["baseline"] = {}
        report["postgres"] = {"status": "skipped", "reason": "the dbt phase left no results"}
    else:
        report["baseline"] = bench.baseline(dbt_dir / "manifest.json")
        report["postgres"] = bench.postgres_peer(_read_json(dbt_dir / "run_results.json"))
    report["phases"] = bench.phases
    report["headline"] = headline(report)
    report["targets"] = verdicts(report["headline"])
    report["machine"]["load_average_at_end"] = [round(v, 2) for v in os.getloadavg()]
    name = "report_spark.json" if args.target == "spark" else "report.json"
    (bench.dirs.root / name).write_text(json.dumps(report, indent=2))
    print(format_table(report))
    print("\n".join(spark.format_spark(report["spark"])) if "spark" in report else "")
    print(f"report: {bench.dirs.root / name}")


if __name__ == "__main__":
    main()
