"""The dbt profile names the build warehouse when REVOPS_DUCKDB_PATH is unset, so `dbt` and `mf`
run by hand in dbt/ need no variable, and find the file Dagster builds."""

from __future__ import annotations

import re

import duckdb
import pytest
import yaml

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
    with duckdb.connect(config=config) as con:
        limit, threads = con.execute(
            "select current_setting('memory_limit'), current_setting('threads')"
        ).fetchone()
    # DuckDB reports the limit in GiB: 6 GB (10^9 bytes) is 5.5 GiB.
    assert (limit, threads) == ("5.5 GiB", 2)
