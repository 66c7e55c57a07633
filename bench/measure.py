"""Measure one phase: a command run as a subprocess, with its whole process tree accounted for.

CPU and the largest single process come from `wait4`, which reports the child plus every
descendant it reaped (dbt's subprocess under Dagster's step, for instance). Those two numbers are
exact. The sum of memory held at once by the tree (Dagster process + dbt + DuckDB at the same
time) is not in any rusage, so a thread samples the tree's proportional set size (PSS: shared
pages split between the processes that map them, so PostgreSQL's shared buffers are not counted
once per backend) from /proc; a short peak between two samples can be missed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

SAMPLE_SECONDS = 0.2
_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Measurement:
    wall_s: float
    cpu_s: float  # user + system, descendants included
    peak_rss_mb: float  # the largest single process of the tree
    peak_tree_mb: float  # sampled: the whole tree at once (PSS)
    returncode: int
    stopped_for: str = ""  # why the harness killed it (a Limits), or empty


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:  # the process ended while we looked
            continue
        # The command name (field 2) may hold spaces and parentheses: split after the last ')'.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def process_tree(roots: Sequence[int]) -> list[int]:
    """`roots` and every live descendant."""
    children = _children_map()
    seen: list[int] = []
    pending = list(roots)
    while pending:
        pid = pending.pop()
        seen.append(pid)
        pending.extend(children.get(pid, ()))
    return seen


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def tree_cpu_seconds(roots: Sequence[int]) -> float:
    """CPU used so far by a live tree: each process's own time plus its reaped children's."""
    total = 0
    for pid in process_tree(roots):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # utime, stime, cutime, cstime are fields 14-17 of stat, 12-15 after the command name.
        total += sum(int(value) for value in fields[11:15])
    return total / _TICKS


@dataclass(frozen=True)
class Limits:
    """Where the harness stops a phase: the machine is shared, and an L phase that outgrows
    it must not take the other users' memory or the whole afternoon."""

    timeout_s: float | None = None
    memory_mb: float | None = None


class _TreeSampler(threading.Thread):
    def __init__(self, roots: Sequence[int], group: int, limits: Limits) -> None:
        super().__init__(daemon=True)
        self.roots = list(roots)
        self.group = group
        self.limits = limits
        self.peak_kb = 0
        self.stopped_for = ""
        self._halt = threading.Event()

    def run(self) -> None:
        started = time.perf_counter()
        while not self._halt.is_set():
            current = sum(_pss_kb(pid) for pid in process_tree(self.roots))
            self.peak_kb = max(self.peak_kb, current)
            if self.limits.memory_mb and current / 1024 > self.limits.memory_mb:
                self._kill(f"memory above {self.limits.memory_mb:,.0f} MB")
            elif self.limits.timeout_s and time.perf_counter() - started > self.limits.timeout_s:
                self._kill(f"timeout after {self.limits.timeout_s:,.0f} s")
            self._halt.wait(SAMPLE_SECONDS)

    def _kill(self, reason: str) -> None:
        if not self.stopped_for:
            self.stopped_for = reason
            os.killpg(self.group, signal.SIGKILL)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def run_measured(
    command: Sequence[str],
    env: Mapping[str, str],
    log_path: Path,
    cwd: Path | None = None,
    also_watch: Sequence[int] = (),
    limits: Limits = Limits(),
) -> Measurement:
    """Run `command` to completion, output to `log_path`; measure it and its descendants.

    `also_watch` names long-lived processes that work for the command without being its
    children (a database server): their CPU and memory during the run are added.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    watched_cpu_before = tree_cpu_seconds(also_watch) if also_watch else 0.0
    started = time.perf_counter()
    with log_path.open("w") as log:
        process = subprocess.Popen(
            list(command),
            env=dict(env),
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            # Its own process group, so a limit stops the phase and its dbt subprocess together.
            start_new_session=True,
        )
        sampler = _TreeSampler([process.pid, *also_watch], process.pid, limits)
        sampler.start()
        # wait4, not Popen.wait: it returns the rusage of the child and its reaped descendants.
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        sampler.stop()
    process.returncode = os.waitstatus_to_exitcode(status)
    watched_cpu = tree_cpu_seconds(also_watch) - watched_cpu_before if also_watch else 0.0
    return Measurement(
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime + watched_cpu,
        # Linux reports ru_maxrss in kilobytes.
        peak_rss_mb=usage.ru_maxrss / 1024,
        peak_tree_mb=sampler.peak_kb / 1024,
        returncode=process.returncode,
        stopped_for=sampler.stopped_for,
    )
