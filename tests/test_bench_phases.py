"""The bench's phases select what a full_build runs, each once: the publish phase holds neither
the API connectors nor the PostgreSQL target (which would fail it without a server)."""

from __future__ import annotations

import dagster as dg


def test_the_publish_phase_is_the_published_warehouse_and_its_headlines() -> None:
    from bench.phases import bench_definitions

    job = bench_definitions().resolve_job_def("bench_publish")
    assert job.asset_layer.selected_asset_keys == {
        dg.AssetKey(["published_warehouse"]),
        dg.AssetKey(["headline_metrics"]),
    }
