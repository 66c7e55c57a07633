"""A run a person can follow: four phases with a progress bar and their times on the console,
every Dagster event and dbt line in a log file.

A run's ~4,000 lines (Dagster's DEBUG events, one dbt line per node) go to the log file only, or
to the console too with `--verbose`. The console shows the phases (extract, transform, checks,
publish) as they finish, a progress bar while one runs (on a terminal), and, in full, every
warning and error a person must read: Dagster's WARNING and ERROR records (a failed step with its
error; a data error without its stack trace, as automation/console_log.py shows it), dbt's
failing or warning nodes with their details, and Python warnings except the libraries' notices
about their own API (beta, preview, superseded, deprecated), which go to the log file.
"""

from __future__ import annotations

import io
import logging
import re
import time
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import dagster as dg

from dagster_project.automation.console_log import without_data_error_stack

PHASES = ("extract", "transform", "checks", "publish")
# One Dagster step is the whole `dbt build`: its progress is counted in dbt nodes.
DBT_STEP_PHASE = "transform"
# dbt's result line of a node: "12 of 697 OK created sql table model marts.fct_mrr ...".
DBT_RESULT = re.compile(r"^\s*(\d+) of (\d+) (OK|PASS|WARN|ERROR|FAIL|SKIP|NO-OP)\b")
# dbt's closing account of failures and warnings: printed in full, up to its "Done." line.
DBT_PROBLEMS_START = re.compile(r"^\s*Completed with \d+ (errors?|warnings?)")
DBT_PROBLEMS_END = re.compile(r"^\s*Done\. PASS=")
# dagster-dbt's notice that a singular test on several models is recorded as an observation: it
# is about how dagster-dbt maps tests, not about the data.
LIBRARY_NOTICES = ("Logging an `AssetObservation` instead of an `AssetCheckResult`",)
LIBRARY_WARNINGS: tuple[type[Warning], ...] = (
    DeprecationWarning,
    FutureWarning,
    dg.BetaWarning,
    dg.PreviewWarning,
    dg.SupersessionWarning,
)
BAR_WIDTH = 28


def step_phases(defs: dg.Definitions) -> dict[str, str]:
    """The phase of every step of the job (a step is an op: an asset, multi-asset or check)."""
    phases: dict[str, str] = {}
    for assets in defs.assets or []:
        if not isinstance(assets, dg.AssetsDefinition) or not assets.is_executable:
            continue
        groups = set(assets.group_names_by_key.values())
        if groups and all(group.startswith("extract") for group in groups):
            phases[assets.node_def.name] = "extract"
        elif groups == {"publish"}:
            phases[assets.node_def.name] = "publish"
        else:
            phases[assets.node_def.name] = DBT_STEP_PHASE
    for checks in defs.asset_checks or []:
        phases[checks.node_def.name] = "checks"
    return phases


@dataclass
class PhaseProgress:
    steps: int
    done: int = 0
    seconds: float = 0.0
    failed: bool = False
    # dbt nodes, for the transform phase: (done, total) from dbt's own result lines.
    nodes: tuple[int, int] | None = None
    started: dict[str, float] = field(default_factory=dict)


class RunConsole:
    """The console of one run: phase lines, a progress bar on a terminal, problems in full."""

    def __init__(self, out: TextIO, log: TextIO, verbose: bool = False) -> None:
        self.out, self.log, self.verbose = out, log, verbose
        self.interactive = out.isatty() and not verbose
        self.expect({})
        self.in_dbt_problems = False
        self.bar_shown = False

    def expect(self, phases: Mapping[str, str]) -> None:
        """The steps the run will execute, by phase (`step_phases`)."""
        self.phase_of = dict(phases)
        self.progress = {
            phase: PhaseProgress(steps=sum(1 for p in phases.values() if p == phase))
            for phase in PHASES
        }
        self.current: str | None = None

    # What the console shows ------------------------------------------------------------------

    def say(self, text: str) -> None:
        """A line for the person (and the log)."""
        self._clear_bar()
        print(text, file=self.out, flush=True)
        print(text, file=self.log, flush=True)
        self._draw_bar()

    def _detail(self, text: str) -> None:
        """A line for the log; on the console with --verbose only."""
        print(text, file=self.log, flush=True)
        if self.verbose:
            print(text, file=self.out, flush=True)

    def _clear_bar(self) -> None:
        if self.bar_shown:
            self.out.write("\r\x1b[K")
            self.bar_shown = False

    def _draw_bar(self) -> None:
        if not self.interactive or self.current is None:
            return
        state = self.progress[self.current]
        done, total, unit = (
            (*state.nodes, "dbt nodes") if state.nodes else (state.done, state.steps, "steps")
        )
        filled = BAR_WIDTH * done // total if total else 0
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        running = sum(time.monotonic() - start for start in state.started.values())
        self.out.write(
            f"\r\x1b[K  {self.current:<10} [{bar}] {done}/{total} {unit}  "
            f"{state.seconds + running:.0f}s"
        )
        self.out.flush()
        self.bar_shown = True

    # What the run reports --------------------------------------------------------------------

    def step_started(self, step_key: str) -> None:
        phase = self.phase_of.get(step_key, DBT_STEP_PHASE)
        self.progress[phase].started[step_key] = time.monotonic()
        self.current = phase
        self._draw_bar()

    def step_finished(self, step_key: str, success: bool) -> None:
        phase = self.phase_of.get(step_key, DBT_STEP_PHASE)
        state = self.progress[phase]
        started = state.started.pop(step_key, None)
        if started is not None:
            state.seconds += time.monotonic() - started
        state.done += 1
        state.failed = state.failed or not success
        if state.done >= state.steps or not success:
            self._phase_line(phase)
        else:
            self._draw_bar()

    def _phase_line(self, phase: str) -> None:
        state = self.progress[phase]
        count = f"{state.nodes[1]} dbt nodes" if state.nodes else f"{state.done} steps"
        outcome = "FAILED" if state.failed else "done"
        self.current = None
        self.say(f"  {phase:<10} {outcome:<7} {count:<16} {state.seconds:7.1f}s")

    def dbt_line(self, line: str) -> None:
        """One line of dbt's output (dagster-dbt prints them on stdout)."""
        self._detail(line)
        result = DBT_RESULT.match(line)
        if result:
            state = self.progress[DBT_STEP_PHASE]
            state.nodes = (int(result.group(1)), int(result.group(2)))
            if result.group(3) in ("WARN", "ERROR", "FAIL") and not self.verbose:
                self.say(f"  dbt: {line.strip()}")
            self._draw_bar()
            return
        if DBT_PROBLEMS_START.match(line):
            self.in_dbt_problems = True
        if self.in_dbt_problems and not self.verbose and line.strip():
            self.say(f"  dbt: {line.rstrip()}")
        if DBT_PROBLEMS_END.match(line):
            self.in_dbt_problems = False

    def record(self, record: logging.LogRecord) -> None:
        """One Dagster log record (every event of the run comes through here)."""
        message = record.getMessage()
        self._detail(f"{time.strftime('%H:%M:%S')} {record.levelname} {message}")
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        if event is not None and event.step_key:
            if event.is_step_start:
                self.step_started(event.step_key)
            elif event.is_step_success or event.is_step_failure or event.is_step_skipped:
                self.step_finished(event.step_key, success=not event.is_step_failure)
        notice = any(text in message for text in LIBRARY_NOTICES)
        if record.levelno >= logging.WARNING and not self.verbose and not notice:
            original = meta.get("orig_message") or message
            step = f"{meta['step_key']}: " if meta.get("step_key") else ""
            # Dagster appends a failed step's error (with its cause) after a blank line; a data
            # error is its message alone (the log keeps the stack).
            shown = without_data_error_stack(message)
            error = shown[shown.find("\n\n") :] if "\n\n" in shown else ""
            self.say(f"{record.levelname.lower()}: {step}{original}{error}")

    def python_warning(self, text: str, category: type[Warning]) -> None:
        if issubclass(category, LIBRARY_WARNINGS) or self.verbose:
            self._detail(text.rstrip())
        else:
            self.say(text.rstrip())

    def close(self) -> None:
        self._clear_bar()


def console_logger(console: RunConsole) -> dg.LoggerDefinition:
    """A Dagster logger that hands every record of the run to the console."""

    class _Handler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            console.record(record)

    @dg.logger(description="revops run console: phases and problems on screen, the rest logged")
    def _console_logger(_: Any) -> logging.Logger:
        logger = logging.Logger("revops.run", level=logging.DEBUG)
        logger.addHandler(_Handler())
        return logger

    return _console_logger


class _DbtLines(io.TextIOBase):
    """Stands in for stdout while the run executes: dagster-dbt prints dbt's lines there."""

    def __init__(self, console: RunConsole) -> None:
        self.console, self.pending = console, ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        *lines, self.pending = (self.pending + text).split("\n")
        for line in lines:
            self.console.dbt_line(line)
        return len(text)

    def flush(self) -> None:
        pass


@contextmanager
def captured(console: RunConsole) -> Iterator[None]:
    """Route stdout (dbt's lines) and Python warnings through the console for the block."""

    def show(message: Any, category: type[Warning], filename: str, lineno: int, *_: Any) -> None:
        console.python_warning(
            warnings.formatwarning(message, category, filename, lineno), category
        )

    previous = warnings.showwarning
    warnings.showwarning = show
    try:
        with redirect_stdout(_DbtLines(console)):
            yield
    finally:
        warnings.showwarning = previous
        console.close()


def log_file(logs_dir: Path, stamp: str, keep: int = 20) -> Path:
    """A new log file for this run; the oldest beyond `keep` are removed (a log is ~1 MB)."""
    logs_dir.mkdir(parents=True, exist_ok=True)
    old_logs = sorted(logs_dir.glob("run-*.log"))
    for old in old_logs[: max(0, len(old_logs) - (keep - 1))]:
        old.unlink(missing_ok=True)
    return logs_dir / f"run-{stamp}.log"
