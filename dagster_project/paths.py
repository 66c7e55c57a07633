"""The one place that resolves paths. Everything else receives absolute paths from here.

dbt resolves a relative DuckDB path against its working directory, so every path handed out is
absolute, and the dbt profile reads the same `REVOPS_DUCKDB_PATH` that Dagster's resource uses.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt"


@dataclass(frozen=True)
class WarehousePaths:
    """Where a run reads landing files and writes, builds and publishes the warehouse."""

    data_dir: Path

    @property
    def landing_dir(self) -> Path:
        override = os.environ.get("REVOPS_LANDING_DIR")
        return Path(override).resolve() if override else self.data_dir / "landing"

    @property
    def warehouse_dir(self) -> Path:
        return self.data_dir / "warehouse"

    @property
    def build_db(self) -> Path:
        """The staging warehouse a run writes into; never read by BI tools.

        `REVOPS_DUCKDB_PATH` overrides it; the dbt profile reads the same variable.
        """
        override = os.environ.get("REVOPS_DUCKDB_PATH")
        return (
            Path(override).resolve() if override else self.warehouse_dir / "build" / "revops.duckdb"
        )

    @property
    def published_db(self) -> Path:
        """The serving warehouse BI tools open read-only; replaced atomically on publish."""
        return self.warehouse_dir / "revops.duckdb"


def warehouse_paths() -> WarehousePaths:
    """Paths for this process: `REVOPS_DATA_DIR` (default `<repo>/data`)."""
    data_dir = os.environ.get("REVOPS_DATA_DIR")
    return WarehousePaths(Path(data_dir).resolve() if data_dir else REPO_ROOT / "data")
