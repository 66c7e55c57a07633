"""dbt docs a RevOps lead can review: an overview that links to real pages, a formula on every
metric's page, owned public marts under contract, numbers in prose that match the vars, and no
citation of a document outside the repository."""

from __future__ import annotations

import json
import re
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from dagster_project.metric_config import metric_vars

REPO_ROOT = Path(__file__).resolve().parent.parent
PROJECT = "revops_warehouse"
# `var_name` (value ...), optionally "var " before it and "default " inside the parentheses.
VAR_IN_PROSE = re.compile(r"`(\w+)` \((?:default )?(-?[\d,]*\.?\d+)(%?)[,) ]")


@pytest.fixture(scope="module")
def manifest(dbt_manifest: Path) -> dict:
    return json.loads(dbt_manifest.read_text(encoding="utf-8"))


def _public_models(manifest: dict) -> list[dict]:
    return [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    ]


def test_the_overview_links_to_pages_that_exist(manifest: dict) -> None:
    overview = manifest["docs"][f"doc.{PROJECT}.__overview__"]["block_contents"]
    links = re.findall(r"\(#!/(\w+)/([\w.]+)\)", overview)
    pages = {**manifest["nodes"], **manifest["metrics"], **manifest["exposures"]}
    assert len(links) >= 20
    assert [unique_id for _, unique_id in links if unique_id not in pages] == []
    linked = {unique_id for _, unique_id in links}
    headline = ("mrr", "arr", "nrr", "grr", "win_rate", "mql_to_sql_conversion")
    assert {f"metric.{PROJECT}.{name}" for name in headline} <= linked


def test_every_metric_page_carries_its_formula(manifest: dict) -> None:
    missing = [
        metric["name"]
        for metric in manifest["metrics"].values()
        if not re.search(r"formula", metric["description"], flags=re.IGNORECASE)
    ]
    assert missing == []


def test_public_marts_are_owned_public_and_under_contract(manifest: dict) -> None:
    models = _public_models(manifest)
    groups = {group["name"] for group in manifest["groups"].values()}
    assert len(models) == 21
    for model in models:
        assert model["access"] == "public", model["name"]
        assert model["group"] in groups, model["name"]
        assert model["config"]["contract"]["enforced"], model["name"]
        untyped = [name for name, column in model["columns"].items() if not column["data_type"]]
        assert untyped == [], model["name"]
    owners = {group["name"]: group["owner"]["name"] for group in manifest["groups"].values()}
    assert all(owners.values()) and len(owners) == 6


def test_the_report_and_the_semantic_layer_are_exposures(manifest: dict) -> None:
    exposures = {exposure["name"]: exposure for exposure in manifest["exposures"].values()}
    assert set(exposures) == {"metrics_report", "semantic_layer"}
    assert (
        f"model.{PROJECT}.metrics_revenue_monthly"
        in (exposures["metrics_report"]["depends_on"]["nodes"])
    )
    assert f"metric.{PROJECT}.nrr" in exposures["semantic_layer"]["depends_on"]["nodes"]


def _prose_files() -> list[Path]:
    dbt = REPO_ROOT / "dbt"
    return sorted(
        [
            *dbt.glob("models/**/_*__docs.md"),
            *dbt.glob("models/**/*.yml"),
            *dbt.glob("seeds/*.yml"),
            *(REPO_ROOT / "docs").glob("*.md"),
        ]
    )


def test_numbers_next_to_a_var_in_prose_are_the_vars_values() -> None:
    numeric = {
        name: Decimal(str(value))
        for name, value in metric_vars().items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    }
    checked, wrong = 0, []
    for path in _prose_files():
        for name, number, percent in VAR_IN_PROSE.findall(path.read_text(encoding="utf-8")):
            if name not in numeric:
                continue
            value = Decimal(number.replace(",", "")) / (100 if percent else 1)
            checked += 1
            if value != numeric[name]:
                wrong.append(f"{path.relative_to(REPO_ROOT)}: `{name}` ({number}{percent})")
    assert wrong == []
    assert checked >= 30


def test_the_prose_check_catches_a_drifted_number() -> None:
    assert VAR_IN_PROSE.findall("var `nrr_sla_target` (110%) and `kill_after_days` (31, more)") == [
        ("nrr_sla_target", "110", "%"),
        ("kill_after_days", "31", ""),
    ]


def test_nothing_in_the_repository_cites_a_document_outside_it() -> None:
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    # Built from parts, so this file does not match itself.
    citation = re.compile(r"(?i:\bseed 0\d|\bissue #?\d+)|" + "METRICS" + r"\.md")
    cited = []
    for name in files:
        path = REPO_ROOT / name
        if path.suffix in {".parquet", ".png", ".duckdb", ".lock"} or not path.is_file():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if citation.search(line):
                cited.append(f"{name}:{number}")
    assert cited == []
