"""A run skips `dbt parse` only when the manifest came from a parse of the same inputs, keeps
that parse as its own, and starts dbt without asking its version in a subprocess."""

from __future__ import annotations

import os
import shutil
from importlib.metadata import version
from pathlib import Path

import dagster_dbt.core.resource
import pytest
from dagster_dbt import DbtProject

from dagster_project.paths import DBT_PROJECT_DIR
from dagster_project.transformation import project
from dagster_project.transformation.parse_state import (
    forget_parse,
    manifest_is_current,
    parse_fingerprint,
    record_parse,
)
from dagster_project.transformation.project import dbt_resource
from tests.dbt_runs import dbt_command, warehouse_file

ARGS = ["parse", "--project-dir", "dbt"]


def test_the_fingerprint_follows_the_args_and_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REVOPS_DUCKDB_PATH", "/a/revops.duckdb")
    first = parse_fingerprint(ARGS)
    assert parse_fingerprint(ARGS) == first
    assert parse_fingerprint([*ARGS, "--vars", "{crm_source: salesforce}"]) != first
    monkeypatch.setenv("REVOPS_DUCKDB_PATH", "/b/revops.duckdb")
    assert parse_fingerprint(ARGS) != first
    # A variable neither the project nor dbt reads does not make dbt parse again.
    monkeypatch.setenv("UNRELATED_SETTING", "1")
    monkeypatch.setenv("REVOPS_DUCKDB_PATH", "/a/revops.duckdb")
    assert parse_fingerprint(ARGS) == first


def test_a_manifest_is_current_only_as_its_parse_left_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DBT_TARGET_PATH", raising=False)  # the suite points it elsewhere
    manifest = tmp_path / "manifest.json"
    assert not manifest_is_current(manifest, "f1")
    manifest.write_text('{"nodes": {}}')
    assert not manifest_is_current(manifest, "f1")  # never recorded
    record_parse(manifest, "f1")
    assert manifest_is_current(manifest, "f1")
    assert not manifest_is_current(manifest, "f2")  # other inputs
    # Rewritten by a dbt command run by hand: the record no longer vouches for it.
    manifest.write_text('{"nodes": {"model.x": {}}}')
    assert not manifest_is_current(manifest, "f1")
    record_parse(manifest, "f1")
    forget_parse(manifest)  # a parse that starts and fails leaves no claim
    assert not manifest_is_current(manifest, "f1")


def test_the_dbt_resource_knows_its_version_without_starting_dbt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_subprocess(*args: object, **kwargs: object) -> bytes:
        raise AssertionError(f"started {args}")

    monkeypatch.setattr(dagster_dbt.core.resource, "check_output", no_subprocess)
    assert str(dbt_resource()._cli_version) == version("dbt-core")


def test_a_parse_into_another_target_folder_vouches_for_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = tmp_path / "target" / "manifest.json"
    manifest.parent.mkdir()
    manifest.write_text("{}")
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "elsewhere"))
    record_parse(manifest, "f1")
    assert not manifest_is_current(manifest, "f1")
    monkeypatch.setenv("DBT_TARGET_PATH", str(manifest.parent))
    record_parse(manifest, "f1")
    assert manifest_is_current(manifest, "f1")


def test_the_first_run_after_a_parse_keeps_its_parsed_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # dagster-dbt copies the parse's state into the folder of a run that has none; dbt keeps
    # it only if the profile the run renders (the warehouse's path) is the one parsed with.
    parse_target = tmp_path / "target"
    monkeypatch.setenv("DBT_TARGET_PATH", str(parse_target))
    monkeypatch.setenv("REVOPS_DUCKDB_PATH", str(warehouse_file(tmp_path, "build")))
    monkeypatch.setattr(
        project,
        "DBT_PROJECT",
        DbtProject(project_dir=DBT_PROJECT_DIR, target_path=parse_target),
    )
    # A parse recorded as the earlier version did: its fingerprint taken with the shell's path.
    parse_target.mkdir()
    (parse_target / "manifest.json").write_text("{}")
    record_parse(parse_target / "manifest.json", parse_fingerprint(project.parse_args()))

    project.prepare_manifest()
    run_target = project.dbt_run_target()
    run_target.mkdir(parents=True)
    shutil.copyfile(parse_target / "partial_parse.msgpack", run_target / "partial_parse.msgpack")

    listed = dbt_command(
        Path(os.environ["REVOPS_DUCKDB_PATH"]), "2026-09-30", "ls", "--select", "fct_mrr"
    )

    assert listed.returncode == 0, listed.stdout[-3000:]
    assert "revops_warehouse.marts.revenue.fct_mrr" in listed.stdout
    # A full parse says why ("Unable to do partial parsing because profile has changed").
    assert "Unable to do partial parsing" not in listed.stdout
