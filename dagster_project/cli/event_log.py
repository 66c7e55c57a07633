"""The run history's event log: Dagster's SQLite event log, with its connections kept open.

Dagster's `SqliteEventLogStorage` creates a SQLAlchemy engine and opens a SQLite connection for
every read and write of the history, and closes both right after: a run of the test suite's
size-60 company opened 3,900 of them for its 1,300 events (each planned, materialized and checked
asset is written to the run's own file and to the index). This storage keeps one engine per file
with its connection pooled, so a run opens the index and its own file once each: that run's own
process used 28 CPU-seconds instead of 38 (dbt's, 55 to 58, is apart).

The files, their schema and their layout stay Dagster's: `dg dev`, its daemon, and an instance
on Dagster's default storage read and write the same history.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData

# Files kept open at once: the index and the latest runs' files. A run writes two; the UI reads
# the index and the runs it shows. The least recently used file beyond these is closed.
OPEN_FILES = 8


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """`SqliteEventLogStorage` whose connections outlive a statement (module docstring)."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        # Before Dagster's constructor: on a new home it writes the index through `_connect`.
        self._engines: OrderedDict[str, sa.Engine] = OrderedDict()
        self._engines_pid = os.getpid()
        self._engines_lock = threading.Lock()
        self._tables: set[str] = set()
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData | None, config_value: Mapping[str, Any]
    ) -> PooledSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[sa.Connection]:
        # Dagster's own, but for the engine: one transaction at a time per storage, the shard's
        # schema created or checked on its first use in this process.
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as connection, connection.begin():
                yield connection

    def _engine(self, shard: str) -> sa.Engine:
        with self._engines_lock:
            if self._engines_pid != os.getpid():
                # A forked child must not use its parent's SQLite connections: it opens its own.
                self._engines = OrderedDict()
                self._engines_pid = os.getpid()
            engine = self._engines.pop(shard, None)
            if engine is None:
                # SQLAlchemy's pool for a SQLite file keeps the connection open between uses
                # (and lets another thread take it: each use holds `_db_lock`).
                engine = sa.create_engine(
                    self.conn_string_for_shard(shard),
                    pool_size=1,
                    connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
                )
            self._engines[shard] = engine
            while len(self._engines) > OPEN_FILES:
                self._engines.popitem(last=False)[1].dispose()
            return engine

    def has_table(self, table_name: str) -> bool:
        # Dagster asks whether a migration has added a table before some writes, on a connection
        # of its own (once inside another transaction, so not `_connect`'s): the answer is kept
        # once yes, since tables are only ever added.
        if table_name not in self._tables and super().has_table(table_name):
            self._tables.add(table_name)
        return table_name in self._tables

    def _close_files(self) -> None:
        with self._db_lock, self._engines_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def wipe(self) -> None:
        # Dagster deletes the runs' files: a connection kept open would write to deleted ones.
        self._close_files()
        super().wipe()

    def dispose(self) -> None:
        self._close_files()
        super().dispose()
