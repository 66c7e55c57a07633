"""The quality report of the last run: one static HTML page beside the build warehouse.

Each check step records its suite's outcomes as JSON under `<warehouse dir>/quality/results/`
and re-renders `index.html` from every suite recorded by the same run; a new run's first suite
clears the previous run's results, so the page always describes one run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from dagster_project.quality.engine.gx_runner import RuleOutcome
from dagster_project.quality.engine.suite import Suite


def report_dir(warehouse_database: str) -> Path:
    return Path(warehouse_database).parent / "quality"


def record_suite(
    directory: Path, run_id: str, suite: Suite, outcomes: Sequence[RuleOutcome], seconds: float
) -> Path:
    """Store one suite's outcomes for this run and re-render the page; returns its path."""
    results = directory / "results"
    results.mkdir(parents=True, exist_ok=True)
    for stale in results.glob("*.json"):
        if json.loads(stale.read_text(encoding="utf-8")).get("run_id") != run_id:
            stale.unlink()
    record = {
        "run_id": run_id,
        "suite": suite.name,
        "asset_key": "/".join(suite.asset_key),
        "description": suite.description,
        "seconds": round(seconds, 3),
        "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "outcomes": [outcome.to_json() for outcome in outcomes],
    }
    _write_atomically(results / f"{suite.name}.json", json.dumps(record, indent=1))
    records = [
        json.loads(path.read_text(encoding="utf-8")) for path in sorted(results.glob("*.json"))
    ]
    page = directory / "index.html"
    _write_atomically(page, render(run_id, records))
    return page


def render(run_id: str, records: Sequence[dict[str, Any]]) -> str:
    outcomes = [outcome for record in records for outcome in record["outcomes"]]
    failed_blocking = sum(not o["success"] and o["blocking"] for o in outcomes)
    warnings = sum(not o["success"] and not o["blocking"] for o in outcomes)
    verdict = "FAILED" if failed_blocking else "PASSED"
    summary_rows = "".join(_summary_row(record) for record in records)
    sections = "".join(_suite_section(record) for record in records)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Quality report, run {escape(run_id)}</title>
<style>
body {{ font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin: 0.5em 0 1.5em; }}
th, td {{ border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }}
th {{ background: #f3f3f3; }}
.pass {{ color: #176b2c; font-weight: 600; }} .fail {{ color: #b00020; font-weight: 600; }}
.warn {{ color: #9a6700; font-weight: 600; }}
code {{ font-size: 12px; white-space: pre-wrap; }}
</style></head><body>
<h1>Quality report: {verdict}</h1>
<p>Run <code>{escape(run_id)}</code>: {len(records)} suites, {len(outcomes)} expectations,
{failed_blocking} blocking failures, {warnings} warnings.</p>
<table><tr><th>suite</th><th>asset</th><th>passed</th><th>blocking failures</th>
<th>warnings</th><th>seconds</th></tr>{summary_rows}</table>
{sections}
</body></html>
"""


def _summary_row(record: dict[str, Any]) -> str:
    outcomes = record["outcomes"]
    passed = sum(o["success"] for o in outcomes)
    blocking = sum(not o["success"] and o["blocking"] for o in outcomes)
    warnings = sum(not o["success"] and not o["blocking"] for o in outcomes)
    return (
        f"<tr><td><a href='#{escape(record['suite'])}'>{escape(record['suite'])}</a></td>"
        f"<td>{escape(record['asset_key'])}</td><td>{passed} / {len(outcomes)}</td>"
        f"<td class='{'fail' if blocking else 'pass'}'>{blocking}</td>"
        f"<td class='{'warn' if warnings else 'pass'}'>{warnings}</td>"
        f"<td>{record['seconds']}</td></tr>"
    )


def _suite_section(record: dict[str, Any]) -> str:
    rows = "".join(_outcome_row(outcome) for outcome in record["outcomes"])
    return (
        f"<h2 id='{escape(record['suite'])}'>{escape(record['suite'])}</h2>"
        f"<p>{escape(record['description'])} Asset <code>{escape(record['asset_key'])}</code>.</p>"
        "<table><tr><th>rule</th><th>severity</th><th>expectation</th><th>result</th>"
        "<th>rows checked</th><th>failing</th><th>observed</th><th>failing sample</th></tr>"
        f"{rows}</table>"
    )


def _outcome_row(outcome: dict[str, Any]) -> str:
    if outcome["success"]:
        status, css = "pass", "pass"
    elif outcome["error"]:
        status, css = "error", "fail"
    else:
        status, css = "FAIL", "fail" if outcome["blocking"] else "warn"
    expectation = f"{outcome['expectation']} {json.dumps(outcome['kwargs'])}"
    if outcome["condition"]:
        expectation += f" where {outcome['condition']}"
    observed = outcome["error"] or outcome["observed"]
    return (
        f"<tr><td>{escape(outcome['rule'])}<br><small>{escape(outcome['description'])}</small></td>"
        f"<td>{'blocking' if outcome['blocking'] else 'warning'}</td>"
        f"<td><code>{escape(expectation)}</code></td><td class='{css}'>{status}</td>"
        f"<td>{_text(outcome['rows_checked'])}{_scope(outcome)}</td>"
        f"<td>{_text(outcome['failing_rows'])}</td>"
        f"<td><code>{escape(_text(observed))}</code></td>"
        f"<td><code>{escape(_text(outcome['sample_keys'] or None))}</code></td></tr>"
    )


def _scope(outcome: dict[str, Any]) -> str:
    # Results recorded before scopes existed have none.
    scope = outcome.get("scope")
    return f"<br><small>{escape(scope)}</small>" if scope else ""


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def _write_atomically(path: Path, text: str) -> None:
    """Write beside and rename, so a reader never sees half a page."""
    staged = path.with_name(f".{path.name}.tmp")
    staged.write_text(text, encoding="utf-8")
    os.replace(staged, path)
