"""Which exceptions of a step are worth a retry: faults of the machine, not of data or code.

The job's retry policy (policies.py) retries any exception a step raises, so a step says which it
met. A fault of the machine heals by itself: a DuckDB lock held for a moment by another client of
the build file, an I/O error of a network share, memory, a dropped connection. Everything else (a
bad landing file, a reject-share gate, a failing dbt test or quality rule, SQL that does not
compile, a bug) fails the same way on every attempt: it fails once, with its message, as a
`dg.Failure(allow_retries=False)`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import duckdb

# DuckDB's messages for faults of the environment rather than of the data or the definitions
# (also what a failing dbt node reports, transformation/failures.py).
TRANSIENT_MESSAGE = re.compile(
    r"Could not set lock on file|IO Error|Out of Memory|Resource temporarily unavailable",
    re.IGNORECASE,
)
_TRANSIENT_DUCKDB = (
    duckdb.IOException,  # locks, reads and writes, HTTP
    duckdb.OutOfMemoryException,
    duckdb.ConnectionException,
    duckdb.TransactionException,  # a write conflict
    duckdb.InterruptException,
)
# OS errors that a retry cannot heal: the path or its rights are wrong, not the machine.
_LASTING_OS_ERRORS = (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError)


def is_transient_error(error: BaseException) -> bool:
    """True for a fault of the machine (worth a retry), False for a verdict on data or code."""
    if isinstance(error, (*_TRANSIENT_DUCKDB, MemoryError)):
        return True
    if isinstance(error, OSError):
        return not isinstance(error, _LASTING_OS_ERRORS)
    return isinstance(error, duckdb.Error) and bool(TRANSIENT_MESSAGE.search(str(error)))


@contextmanager
def fail_once_unless_transient() -> Iterator[None]:
    """Turn every exception of the block but a machine fault into a failure without retries.

    A `dg.Failure` raised inside keeps its own verdict (`allow_retries`).
    """
    try:
        yield
    except (dg.Failure, dg.RetryRequested):
        raise
    except Exception as error:
        if is_transient_error(error):
            raise
        raise dg.Failure(
            description=f"{type(error).__name__}: {error}", allow_retries=False
        ) from error
