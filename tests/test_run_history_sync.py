"""The run history's SQLite databases are written without a sync per commit, as configured, and
no other SQLite database of the process is touched."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from dagster_project.cli.instance import history_sync

# SQLite's numbers for `pragma synchronous`.
OFF, FULL = 0, 2


def synchronous(database: Path) -> int:
    database.parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(f"sqlite:///{database}", poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        return connection.execute(sa.text("pragma synchronous")).scalar_one()


def test_the_history_under_the_home_is_unsynced_and_other_databases_keep_the_default(
    tmp_path: Path,
) -> None:
    history_sync(tmp_path / "home", "off")
    history_sync(tmp_path / "careful", "full")
    assert synchronous(tmp_path / "home" / "history" / "runs" / "index.db") == OFF
    assert synchronous(tmp_path / "careful" / "history" / "runs.db") == FULL
    assert synchronous(tmp_path / "homemade" / "other.db") == FULL


def test_an_unknown_mode_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="REVOPS_RUN_HISTORY_SYNC='sometimes'"):
        history_sync(tmp_path, "sometimes")
