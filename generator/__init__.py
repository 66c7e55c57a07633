"""Deterministic sample-data generator: the embedded default source of the warehouse."""

from generator.daily import generate_day
from generator.generate import generate

__all__ = ["generate", "generate_day"]
