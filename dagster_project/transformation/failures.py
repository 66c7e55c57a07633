"""Which failures of `dbt build` are worth retrying.

A failing dbt test, a model whose SQL errors on the data, or a compilation error fails the same
way on every attempt: retrying it only delays the verdict (three attempts and two backoffs cost
minutes for a result that cannot change). Only faults of the machine heal by themselves: a
DuckDB lock held for a moment by another client of the build file, an I/O error, memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from dagster_project.automation.faults import TRANSIENT_MESSAGE

FAILED_STATUSES = frozenset({"error", "fail", "runtime error"})


def failed_nodes(run_results: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(node id, message) of every node of run_results.json that errored or failed."""
    return [
        (result["unique_id"], result.get("message") or "")
        for result in run_results.get("results", [])
        if result.get("status") in FAILED_STATUSES
    ]


def is_transient(messages: Iterable[str], returncode: int) -> bool:
    """True when the build failed for a fault of the machine: only then is a retry worth it.

    dbt killed by a signal (the OOM killer, a stopped container) is not a verdict on the data;
    otherwise every failing node must carry one of the machine's messages. A failure without
    failing nodes (a compilation or configuration error) fails once.
    """
    messages = list(messages)
    if returncode < 0:
        return True
    return bool(messages) and all(TRANSIENT_MESSAGE.search(message) for message in messages)


def failure_description(failures: list[tuple[str, str]], returncode: int, log: Path) -> str:
    """The step's error: the first failing nodes with their message's first line."""
    if not failures:
        return f"dbt build failed before any node ran (exit code {returncode}); see {log}"
    limit = 5
    lines = [f"dbt build failed on {len(failures)} node(s):"]
    lines += [f"- {node}: {_first_line(message)}" for node, message in failures[:limit]]
    if len(failures) > limit:
        lines.append(f"- ... and {len(failures) - limit} more (see {log})")
    return "\n".join(lines)


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else "(no message)"
