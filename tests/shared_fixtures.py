"""Session fixtures built once for the whole test run, whatever the number of xdist workers.

`make test` runs two pytest workers (one per core). Each worker has its own session, so a
session fixture would otherwise be built once per worker: the generated company, the session's
pipeline build and the incremental stories' first dbt build would each cost twice. Here the
first worker to ask builds it in the run's shared temp folder under a file lock; the other
waits for it and reads the same files. A build that raises leaves nothing behind, so the next
caller tries again (and fails the same way, with its own traceback).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock


def shared_temp_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The temp folder all workers of this run share (the session's own without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def build_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], Any]
) -> tuple[Path, Any]:
    """`build(folder)` into `<shared>/<name>/` by the first caller of the run; every caller gets
    the folder and what `build` returned (JSON-serialisable, kept beside the folder)."""
    root = shared_temp_dir(tmp_path_factory)
    folder, outcome = root / name, root / f"{name}.json"
    with FileLock(root / f"{name}.lock"):
        if not outcome.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            outcome.write_text(json.dumps(build(folder)), encoding="utf-8")
    return folder, json.loads(outcome.read_text(encoding="utf-8"))
