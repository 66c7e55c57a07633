"""Automation: the daily schedule, the landing sensor, freshness, retries, one writer, headlines."""
