"""The dbt profile names the build warehouse when REVOPS_DUCKDB_PATH is unset, so `dbt` and `mf`
run by hand in dbt/ need no variable, and find the file Dagster builds."""

from __future__ import annotations

import re

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
