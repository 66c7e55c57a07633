"""A run skips `dbt parse` only when the manifest came from a parse of the same inputs, and
starts dbt without asking its version in a subprocess."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import dagster_dbt.core.resource
import pytest

from dagster_project.transformation.parse_state import (
    forget_parse,
    manifest_is_current,
    parse_fingerprint,
    record_parse,
)
from dagster_project.transformation.project import dbt_resource

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
