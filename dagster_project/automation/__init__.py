"""Automation: the job, the daily schedule, the landing sensor, freshness, retries, one writer."""
