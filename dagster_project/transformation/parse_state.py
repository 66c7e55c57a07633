"""Whether the dbt manifest on disk is the one `dbt parse` would write now, so a run can skip it.

Every run parsed the dbt project before its definitions load: with dbt's partial parsing that
still cost about 6 CPU-seconds (dbt imported, its parse state read, the manifest written again)
for a manifest that had not changed since the last run. A parse depends on the project's files,
its profile, the vars a run passes and the environment its `env_var()` calls read; after each
parse the fingerprint of those is kept beside the manifest, with the manifest's own size and
modification time (a dbt command run by hand rewrites it). A run whose fingerprint matches reads
the manifest as it is. Anything else (an edited model, another CRM, another profile path, a new
dbt) parses again, as before.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from dagster_project.paths import DBT_PROJECT_DIR

# The project's files a parse reads (target/, logs/ and dbt_packages/ are its outputs).
PARSED_FILES = ("dbt_project.yml", "profiles.yml", "selectors.yml", "packages.yml")
PARSED_DIRS = ("models", "macros", "seeds", "tests", "snapshots", "analyses")
# dbt and the adapters whose macros a parse reads.
DBT_PACKAGES = ("dbt-core", "dbt-adapters", "dbt-duckdb", "dbt-postgres", "dbt-spark")
# Variables the profile and project read through env_var(), and dbt's own settings.
ENV_PREFIXES = ("REVOPS_", "DBT_")


def _project_files() -> list[Path]:
    files = [DBT_PROJECT_DIR / name for name in PARSED_FILES]
    for folder in PARSED_DIRS:
        files += sorted(p for p in (DBT_PROJECT_DIR / folder).rglob("*") if p.is_file())
    return [path for path in files if path.exists()]


def _installed(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return ""


def parse_fingerprint(parse_args: Sequence[str]) -> str:
    """A digest of everything `dbt parse <parse_args>` depends on."""
    digest = hashlib.sha256()
    settings = {
        "packages": [_installed(package) for package in DBT_PACKAGES],
        "args": list(parse_args),
        "env": {name: value for name, value in os.environ.items() if name.startswith(ENV_PREFIXES)},
    }
    digest.update(json.dumps(settings, sort_keys=True).encode())
    for path in _project_files():
        digest.update(str(path.relative_to(DBT_PROJECT_DIR)).encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _state_file(manifest: Path) -> Path:
    return manifest.with_name("manifest.parsed-from")


def _manifest_stamp(manifest: Path) -> str:
    stat = manifest.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def manifest_is_current(manifest: Path, fingerprint: str) -> bool:
    """True when `manifest` was written by a parse of exactly these inputs, and not since."""
    state = _state_file(manifest)
    if not (manifest.exists() and state.exists()):
        return False
    return state.read_text(encoding="utf-8") == f"{fingerprint} {_manifest_stamp(manifest)}"


def forget_parse(manifest: Path) -> None:
    """Before a parse: one that fails half-way leaves no claim on the manifest."""
    _state_file(manifest).unlink(missing_ok=True)


def record_parse(manifest: Path, fingerprint: str) -> None:
    """After a parse that wrote `manifest`. One run with DBT_TARGET_PATH elsewhere wrote its
    manifest there, and vouches for nothing here."""
    elsewhere = os.environ.get("DBT_TARGET_PATH")
    if not manifest.exists() or (elsewhere and Path(elsewhere).resolve() != manifest.parent):
        return
    _state_file(manifest).write_text(f"{fingerprint} {_manifest_stamp(manifest)}", encoding="utf-8")
