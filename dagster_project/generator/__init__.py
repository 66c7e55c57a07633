"""Deterministic sample-data generator: the embedded default source of the warehouse."""

from dagster_project.generator.daily import generate_day
from dagster_project.generator.generate import generate

__all__ = ["generate", "generate_day"]
