"""The warehouse resource: where a run reads landing files and which DuckDB file it builds."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from dagster_project import duckdb_limits
from dagster_project.automation.writer_lock import writer_lock
from dagster_project.extraction.crm_mapping import load_crm_mapping
from dagster_project.extraction.crm_reps import load_reps
from dagster_project.metric_config import default_as_of_date
from dagster_project.paths import warehouse_paths


class WarehouseResource(dg.ConfigurableResource):
    """The build warehouse (DuckDB) of a run and the landing folder it loads from.

    DuckDB allows one writer process per file: steps open the file only while they work, and
    the job runs its steps in one process (see definitions.py), so dbt's subprocess never meets
    a lock held by an extraction step. A run holds the warehouse's writer lock from start to end
    (automation/writer_lock.py), so a run launched by the daemon and one from the command line
    never write at once.
    """

    database: str
    landing_dir: str
    published_database: str
    # The date every metric is computed "as of"; empty means dbt_project.yml's default, so a
    # rerun with the same as-of date reproduces history whatever day it runs.
    as_of_date: str = ""

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Validate the landing folder's configuration files (CRM mapping, reps) at run start.

        Resources are set up before any step runs: a malformed file fails the run with its file
        and line before anything loads, rather than after some tables already have.
        """
        landing_dir = Path(self.landing_dir)
        load_crm_mapping(landing_dir)
        load_reps(landing_dir)

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[WarehouseResource]:
        """The run's writer lock around the whole run (a run of `run_pipeline` holds it already)."""
        say = context.log.warning if context.log else print
        run_id = context.run.run_id if context.run else "unknown"
        with writer_lock(Path(self.database), run_id, say=say):
            self.setup_for_execution(context)
            yield self

    def effective_as_of_date(self) -> str:
        return self.as_of_date or default_as_of_date()

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        Path(self.database).parent.mkdir(parents=True, exist_ok=True)
        con = duckdb_limits.connect(self.database)
        try:
            yield con
        finally:
            con.close()


def default_warehouse(as_of_date: str = "") -> WarehouseResource:
    paths = warehouse_paths()
    return WarehouseResource(
        database=str(paths.build_db),
        landing_dir=str(paths.landing_dir),
        published_database=str(paths.published_db),
        as_of_date=as_of_date,
    )
