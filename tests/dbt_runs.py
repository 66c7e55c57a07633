"""Raw loads and `dbt build` subprocesses for the tests of incremental models.

These tests build a selection of the project on a temporary DuckDB file, without Dagster, so
one test can run the same build several times (incremental, full refresh) in a few seconds.
"""

from __future__ import annotations

import graphlib
import json
import os
import subprocess
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path

import duckdb

from dagster_project.extraction.crm_config import write_crm_config
from dagster_project.extraction.crm_mapping import load_crm_mapping
from dagster_project.extraction.crm_reps import load_reps
from dagster_project.extraction.loader import load_source_table
from dagster_project.extraction.rules import parent_tables
from dagster_project.source_catalog import CrmSource, SourceTable, source_tables
from dagster_project.transformation.cli_args import dbt_build_args
from dagster_project.transformation.project import (
    DBT_PROJECT,
    dbt_command_line,
    dbt_run_env,
    dbt_run_target,
)
from dagster_project.transformation.test_window import rows_tested_env

# The first step every incremental story shares: the initial export loaded into raw, then built
# as of the landing start. One build of the union of their selections (finance and revenue marts,
# the incremental event models and lead signals; health) serves them all, each story continuing
# on a copy.
FIRST_AS_OF = "2026-09-30"
FIRST_LOAD = datetime(2026, 9, 30, 6, 0)
FIRST_SELECTION = (
    "+path:models/marts/finance",
    "+path:models/marts/revenue",
    "stg_product__tracks",
    "stg_marketing__page_views",
    "stg_marketing__email_events",
    "stg_marketing__form_submissions",
    "+int_lead_signals_collected",
    "+fct_account_health",
)


def tables_in_load_order(crm: CrmSource = "hubspot") -> list[SourceTable]:
    """Parents first: the row rules of a table read the raw tables it points to."""
    by_name = {table.raw_table: table for table in source_tables(crm)}
    graph = {name: parent_tables(name, crm) for name in by_name}
    return [by_name[name] for name in graphlib.TopologicalSorter(graph).static_order()]


def load_raw(
    database: Path,
    landing: Path,
    loaded_at: datetime,
    day: date | None = None,
    as_of: date | None = None,
    crm: CrmSource = "hubspot",
) -> None:
    """Bring raw up to date with the landing files; with `day`, events load that day only.

    The CRM mapping and reps file are written first, as the pipeline's crm_configuration does.
    `as_of` dates an initial export without increments (default: dbt's `as_of_date`); `crm` is
    the company's CRM (the pipeline reads it from the dbt var `crm_source`).
    """
    with duckdb.connect(str(database)) as con:
        write_crm_config(con, load_crm_mapping(landing), load_reps(landing))
        for table in tables_in_load_order(crm):
            days = (day, day) if day and table.kind == "event" else None
            load_source_table(con, table, landing, loaded_at, days, as_of=as_of, crm=crm)


def warehouse_file(work: Path, name: str) -> Path:
    """`<work>/<name>/revops.duckdb`: every warehouse of the tests has the pipeline's file name,
    so dbt opens each one by the same path and keeps its parsed project (dbt_run_env)."""
    (work / name).mkdir(parents=True, exist_ok=True)
    return work / name / "revops.duckdb"


def dbt_command(
    database: Path,
    as_of_date: str,
    *args: str,
    target: Path | None = None,
    extra_env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """A dbt command on `database` as the pipeline runs dbt: same target folder, same path to the
    warehouse, the date in the environment; dbt parses the project again only when it changed.
    A command with its own `--vars` takes its own `target`, or the next would parse again."""
    target = target or dbt_run_target()
    command = dbt_command_line(*args, target=target)
    env = {**os.environ, **dbt_run_env(str(database), as_of_date, target), **(extra_env or {})}
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False)


def dbt_build(database: Path, as_of_date: str, *options: str) -> str:
    """`dbt build` as the pipeline runs it, plus `options` (a `--select`, `--full-refresh`);
    returns dbt's output."""
    # Only the tests whose every parent is built (a relationship to a model that is not
    # selected would read a table this warehouse never built).
    args = [*dbt_build_args(), "--indirect-selection", "cautious", *options]
    # The data tests of incremental models check the rows rebuilt, as in a pipeline run.
    manifest = json.loads(DBT_PROJECT.manifest_path.read_text(encoding="utf-8"))
    with duckdb.connect(str(database)) as con:
        window = rows_tested_env(con, manifest, as_of_date, "--full-refresh" in options)
    result = dbt_command(database, as_of_date, *args, extra_env=window)
    assert result.returncode == 0, result.stdout[-6000:]
    return result.stdout


def first_build(database: Path, landing: Path) -> None:
    """The shared first step (see FIRST_SELECTION) into `database`."""
    load_raw(database, landing, FIRST_LOAD)
    dbt_build(database, FIRST_AS_OF, "--select", *FIRST_SELECTION)
