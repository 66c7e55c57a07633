"""How runs of the warehouse behave: the writer tag that queues them, the retry policy."""

from __future__ import annotations

import dagster as dg

# DuckDB allows one writer process per file and every step of a run writes the same build file,
# so runs carrying this tag are limited to one at a time by the instance's run queue
# (`concurrency.runs.tag_concurrency_limits` in automation/dagster.yaml): a second run waits as
# QUEUED instead of failing with "Could not set lock on file".
WRITER_TAG = "revops/warehouse-writer"
WRITER_RUN_TAGS = {WRITER_TAG: "true"}

# Transient failures heal on their own: a DuckDB lock held for a moment by a stray client of the
# build file, a dbt subprocess killed by the OOM killer, a hiccup of a network share. Retrying is
# safe because every step is idempotent: extraction replaces its table in one transaction, dbt
# rebuilds its models, publish copies then renames. Steps raise a failure without retries for
# anything else (automation/faults.py): a data error would fail identically each time. Retries
# stay few and short (15 s then 30 s, +/- jitter so two instances do not retry in step).
WAREHOUSE_RETRY_POLICY = dg.RetryPolicy(
    max_retries=2,
    delay=15,
    backoff=dg.Backoff.EXPONENTIAL,
    jitter=dg.Jitter.PLUS_MINUS,
)
