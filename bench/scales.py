"""What S, M and L mean: a generator size, and the volumes each scale is meant to reach.

The generator's one knob is `--size` (CRM companies); every other volume follows from its
ratios. Measured on seed 42 over the default three-year window: ~10 contacts, ~525 product
events (Segment tracks) and ~6.2 invoices per account, so L reaches its accounts, contacts and
events targets but only ~0.62M of the 1M invoices (see `volume_check`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Scale:
    name: str
    size: int  # revops-generate --size
    postgres_peer: bool
    # raw table -> the row count this scale is meant to reach
    targets: Mapping[str, int] = field(default_factory=dict)


SCALES = {
    "S": Scale("S", 500, postgres_peer=True),
    "M": Scale(
        "M",
        20_000,
        postgres_peer=True,
        targets={"crm_companies": 20_000, "crm_contacts": 200_000, "product_tracks": 10_000_000},
    ),
    "L": Scale(
        "L",
        100_000,
        postgres_peer=False,
        targets={
            "crm_companies": 100_000,
            "crm_contacts": 1_000_000,
            "product_tracks": 50_000_000,
            "billing_invoices": 1_000_000,
        },
    ),
}


def volume_check(scale: Scale, rows: Mapping[str, int]) -> dict[str, dict[str, float]]:
    """Generated rows against the scale's targets: table -> target, actual, actual / target."""
    return {
        table: {
            "target": target,
            "actual": rows.get(table, 0),
            "ratio": round(rows.get(table, 0) / target, 2),
        }
        for table, target in scale.targets.items()
    }
