"""The Stripe price book: per-seat plans and an add-on, per currency, interval and list version."""

from __future__ import annotations

import numpy as np

TIERS = ("starter", "growth", "enterprise")
WORKSPACE_PLANS = ("trial", *TIERS)
INTERVALS = (1, 3, 12)  # months: monthly, quarterly (interval month x 3), yearly
# List price per seat and month, in major units of EUR, USD, GBP.
SEAT_MONTHLY = np.array([[25, 49, 89], [29, 55, 99], [22, 42, 75]])  # [currency, tier]
ADDON_MONTHLY = np.array([200, 220, 175])  # the API add-on, a flat fee per currency
ONBOARDING_FEE = np.array([500, 1_500, 5_000])  # one-off, per tier, in the invoice currency
# Yearly plans are 15% cheaper per month; quarterly ones are not discounted.
INTERVAL_FACTOR = np.array([1.0, 3.0, 12 * 0.85])
VERSIONS = ("2023", "2025")  # the 2025 list is 8% dearer; existing subscriptions keep theirs
VERSION_UPLIFT = np.array([1.0, 1.08])


def interval_code(months: np.ndarray) -> np.ndarray:
    return np.searchsorted(INTERVALS, months)


def seat_unit_amount(
    tier: np.ndarray, currency: np.ndarray, months: np.ndarray, version: np.ndarray
) -> np.ndarray:
    """Unit amount in minor units (cents) of one seat for one billing interval."""
    monthly = np.round(SEAT_MONTHLY[currency, tier] * VERSION_UPLIFT[version])
    return np.round(monthly * INTERVAL_FACTOR[interval_code(months)] * 100).astype(np.int64)


def addon_unit_amount(currency: np.ndarray, months: np.ndarray) -> np.ndarray:
    factor = INTERVAL_FACTOR[interval_code(months)]
    return np.round(ADDON_MONTHLY[currency] * factor * 100).astype(np.int64)
