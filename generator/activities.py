"""CRM engagements (calls, emails, meetings) collected from every model that produces them."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from generator.common import NONE

ENGAGEMENT_TYPES = ("CALL", "EMAIL", "MEETING")
CALL, EMAIL, MEETING = range(3)


@dataclass
class Activities:
    kind: np.ndarray
    at: np.ndarray
    owner: np.ndarray
    company: np.ndarray
    contact: np.ndarray  # NONE when the activity is with the account, not a person
    deal: np.ndarray  # NONE outside a deal

    @classmethod
    def build(
        cls,
        kind: np.ndarray,
        at: np.ndarray,
        owner: np.ndarray,
        company: np.ndarray,
        contact: np.ndarray | None = None,
        deal: np.ndarray | None = None,
    ) -> Activities:
        missing = np.full(len(at), NONE, dtype=np.int64)
        return cls(
            kind,
            at,
            owner,
            company,
            missing if contact is None else contact,
            missing if deal is None else deal,
        )

    def keep(self, mask: np.ndarray) -> Activities:
        return Activities(*(getattr(self, f.name)[mask] for f in fields(self)))

    @classmethod
    def concat(cls, parts: list[Activities]) -> Activities:
        merged = cls(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)))
        # The CRM numbers engagements in the order they were logged.
        return merged.keep(np.argsort(merged.at, kind="stable"))
