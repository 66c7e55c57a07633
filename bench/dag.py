"""The models of a dbt manifest in an order that builds every parent before its children."""

from __future__ import annotations

from collections.abc import Mapping
from graphlib import TopologicalSorter
from typing import Any

Manifest = Mapping[str, Any]


def _is_model(node: Mapping[str, Any]) -> bool:
    return node["resource_type"] == "model"


def _is_ephemeral(node: Mapping[str, Any]) -> bool:
    return node["config"]["materialized"] == "ephemeral"


def model_parents(manifest: Manifest, unique_id: str) -> set[str]:
    """The built models a model reads, looking through ephemeral models (inlined as CTEs)."""
    nodes = manifest["nodes"]
    parents: set[str] = set()
    for parent in nodes[unique_id]["depends_on"]["nodes"]:
        node = nodes.get(parent)
        if node is None or not _is_model(node):  # sources and seeds exist beforehand
            continue
        parents |= model_parents(manifest, parent) if _is_ephemeral(node) else {parent}
    return parents


def model_order(manifest: Manifest) -> list[str]:
    """unique_ids of every non-ephemeral model, parents first; ties broken by id so two runs
    of the baseline execute the same sequence."""
    nodes = manifest["nodes"]
    models = sorted(
        uid for uid, node in nodes.items() if _is_model(node) and not _is_ephemeral(node)
    )
    sorter = TopologicalSorter({uid: model_parents(manifest, uid) for uid in models})
    sorter.prepare()
    order: list[str] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        order += ready
        sorter.done(*ready)
    return order


def data_tests(manifest: Manifest) -> list[str]:
    """unique_ids of the data tests (generic and singular), sorted; unit tests are not data."""
    return sorted(uid for uid, node in manifest["nodes"].items() if node["resource_type"] == "test")
