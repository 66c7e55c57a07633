"""The dbt profile names the build warehouse when REVOPS_DUCKDB_PATH is unset, so `dbt` and `mf`
run by hand in dbt/ need no variable, and find the file Dagster builds."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
import yaml

from dagster_project import duckdb_limits
from dagster_project.paths import DBT_PROJECT_DIR, REPO_ROOT, WarehousePaths


def test_the_profile_defaults_to_the_build_warehouse(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REVOPS_DUCKDB_PATH", raising=False)
    profiles = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))
    path = profiles["revops_warehouse"]["outputs"]["duckdb"]["path"]

    default = re.fullmatch(r"\{\{ env_var\('REVOPS_DUCKDB_PATH', '([^']+)'\) \}\}", path)

    assert default is not None, path
    # dbt resolves a relative path against its working directory: dbt/ for dbt and mf by hand.
    assert (DBT_PROJECT_DIR / default.group(1)).resolve() == WarehousePaths(
        REPO_ROOT / "data"
    ).build_db


def test_duckdb_memory_limit_and_threads_come_from_the_environment_with_defaults_duckdb_takes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    profiles = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))
    settings = profiles["revops_warehouse"]["outputs"]["duckdb"]["settings"]
    defaults = {
        name: re.search(rf"env_var\('{variable}', ''\) or '([^']+)'", text)
        for (name, text), variable in zip(
            settings.items(), ("REVOPS_DUCKDB_MEMORY_LIMIT", "REVOPS_DUCKDB_THREADS"), strict=True
        )
    }
    assert all(defaults.values()), settings
    config = {name: match.group(1) for name, match in defaults.items()}
    assert config == {"memory_limit": "6GB", "threads": "2"}
    # Extraction, the checks and publish open the warehouse under the same defaults.
    assert config == {
        "memory_limit": duckdb_limits.DEFAULT_MEMORY_LIMIT,
        "threads": str(duckdb_limits.DEFAULT_THREADS),
    }
    with duckdb.connect(config=config) as con:
        limit, threads = con.execute(
            "select current_setting('memory_limit'), current_setting('threads')"
        ).fetchone()
    # DuckDB reports the limit in GiB: 6 GB (10^9 bytes) is 5.5 GiB.
    assert (limit, threads) == ("5.5 GiB", 2)


def test_every_connection_to_the_warehouse_takes_the_limits_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    database = tmp_path / "revops.duckdb"
    monkeypatch.setenv("REVOPS_DUCKDB_MEMORY_LIMIT", "1GB")
    monkeypatch.setenv("REVOPS_DUCKDB_THREADS", "1")
    # A connection opened without the limits first: a setting is the database's, not the
    # connection's, so the limited one still applies them (a config would be refused).
    with duckdb.connect(str(database)) as plain, duckdb_limits.connect(database) as limited:
        settings = "select current_setting('memory_limit'), current_setting('threads')"
        assert limited.execute(settings).fetchone() == ("953.6 MiB", 1)
        assert plain.execute(settings).fetchone() == ("953.6 MiB", 1)
    monkeypatch.setenv("REVOPS_DUCKDB_MEMORY_LIMIT", "")
    monkeypatch.delenv("REVOPS_DUCKDB_THREADS")
    with duckdb_limits.connect(database, read_only=True) as con:
        assert con.execute(settings).fetchone() == ("5.5 GiB", 2)
