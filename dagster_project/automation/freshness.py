"""Freshness of sources and marts: how old their last materialization may get.

Dagster 1.12 superseded freshness checks (`build_last_update_freshness_checks` and the sensor
that runs them) with freshness policies: set on the asset, evaluated by the daemon that
`dagster dev` starts, shown as the asset's freshness state (pass / warn / fail) without launching
runs. The windows are operations settings, not metric definitions (dbt never reads them), so they
live here rather than among the metric vars of dbt_project.yml that RevOps reviews.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import dagster as dg


@dataclass(frozen=True)
class FreshnessWindow:
    """Warn when the last materialization is older than `warn`, fail past `fail`."""

    warn: timedelta
    fail: timedelta

    def policy(self) -> dg.FreshnessPolicy:
        return dg.FreshnessPolicy.time_window(fail_window=self.fail, warn_window=self.warn)


# The schedule runs daily at 06:00 UTC and a run takes minutes: warn when a day's run is two hours
# late, fail when a whole day was missed. Sources may later refresh more often (the landing
# sensor), so they keep their own window.
SOURCE_WINDOW = FreshnessWindow(warn=timedelta(hours=26), fail=timedelta(hours=50))
MART_WINDOW = FreshnessWindow(warn=timedelta(hours=26), fail=timedelta(hours=50))


def freshness_window(key: dg.AssetKey) -> FreshnessWindow | None:
    """Extraction assets (`raw/<table>`), public marts and the served copy BI tools read."""
    if key.path[0] == "raw":
        return SOURCE_WINDOW
    if key.path[0] == "marts" or key == dg.AssetKey(["published_warehouse"]):
        return MART_WINDOW
    return None


def _with_policy(spec: dg.AssetSpec) -> dg.AssetSpec:
    window = freshness_window(spec.key)
    return spec if window is None else dg.apply_freshness_policy(spec, window.policy())


def with_freshness_policies(
    assets: Sequence[dg.AssetsDefinition],
) -> Sequence[dg.AssetsDefinition | dg.AssetSpec]:
    return dg.map_asset_specs(_with_policy, assets)
