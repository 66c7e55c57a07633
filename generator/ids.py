"""Source-system identifiers. HubSpot numbers objects in creation order (numeric strings, one
range per object type); Stripe, Segment and the marketing tools use prefixed ids."""

from __future__ import annotations

import numpy as np

OWNER_BASE = 80_000_000
COMPANY_BASE = 10_000_000_000
CONTACT_BASE = 20_000_000_000
DEAL_BASE = 30_000_000_000
ENGAGEMENT_BASE = 40_000_000_000


def hubspot_ids(base: int, rank: np.ndarray) -> np.ndarray:
    """Numeric ids (as int64; rendered as strings) for rows ranked by creation; -1 stays -1."""
    return np.where(rank >= 0, base + 1 + rank, -1)


def creation_rank(created: np.ndarray) -> np.ndarray:
    """Rank of every row by creation time (ties by position): its place in the export."""
    order = np.argsort(created, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank


def remap(rank: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Rank of each referenced row, -1 for a missing reference."""
    return np.where(index >= 0, rank[np.maximum(index, 0)], -1)
