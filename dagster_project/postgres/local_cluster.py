"""A throwaway PostgreSQL cluster on loopback, for the tests and the bench's peer.

initdb in a temporary folder, the server on a free 127.0.0.1 port with trust authentication, and
everything stopped and deleted afterwards. initdb refuses to run as root, so as root (CI, our
machines) the cluster runs as the `postgres` system user the server package creates. Debian puts
the binaries in /usr/lib/postgresql/<version>/bin, off the PATH; they are looked for there too.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from dagster_project.postgres.settings import PostgresSettings

SYSTEM_USER = "postgres"
DATABASE = "postgres"
_TOOLS = ("initdb", "postgres", "pg_ctl")
# The session time zone the project's SQL assumes (docs/operations.md); set on the server too,
# so a client without PGTZ reads the same.
BASE_SETTINGS = {"listen_addresses": "127.0.0.1", "timezone": "UTC"}


class PostgresUnavailable(Exception):
    """No PostgreSQL server binaries here; the message says which are missing."""


@dataclass(frozen=True)
class Cluster:
    port: int
    server: subprocess.Popen[bytes]
    data_dir: Path

    @property
    def settings(self) -> PostgresSettings:
        """How to reach the cluster: its superuser, trusted on loopback, no password."""
        return PostgresSettings(
            host="127.0.0.1", port=self.port, database=DATABASE, user=SYSTEM_USER
        )


def binaries() -> dict[str, str]:
    """initdb, postgres and pg_ctl: from the PATH, else from Debian's newest versioned folder."""
    found = {name: shutil.which(name) for name in _TOOLS}
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if all(found.values()):
            break
        for name in _TOOLS:
            if found[name] is None and (folder / name).exists():
                found[name] = str(folder / name)
    missing = [name for name, path in found.items() if path is None]
    if missing:
        raise PostgresUnavailable(
            f"PostgreSQL server binaries not found: {', '.join(missing)} "
            "(install the server package, e.g. `apt-get install postgresql-15`)"
        )
    return {name: str(path) for name, path in found.items()}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_owner(command: list[str]) -> list[str]:
    return ["runuser", "-u", SYSTEM_USER, "--", *command] if os.geteuid() == 0 else command


@contextmanager
def cluster(log_dir: Path, settings: Mapping[str, str] | None = None) -> Iterator[Cluster]:
    """A started cluster for the duration of the block (server `settings` on top of the base
    ones); stopped and deleted after it. Logs go to `log_dir`."""
    tools = binaries()
    root = Path(tempfile.mkdtemp(prefix="revops-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, SYSTEM_USER, SYSTEM_USER)
    data_dir = root / "data"
    log_dir.mkdir(parents=True, exist_ok=True)
    try:
        with (log_dir / "postgres_initdb.log").open("w") as log:
            subprocess.run(
                _as_owner(
                    [tools["initdb"], "-D", str(data_dir), "-U", SYSTEM_USER, "--auth=trust"]
                    + ["--encoding=UTF8", "--no-locale"]
                ),
                check=True,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        port = _free_port()
        arguments = [
            arg
            for key, value in {**BASE_SETTINGS, **(settings or {})}.items()
            for arg in ("-c", f"{key}={value}")
        ]
        server_log = (log_dir / "postgres_server.log").open("w")
        server = subprocess.Popen(
            _as_owner(
                [tools["postgres"], "-D", str(data_dir), "-p", str(port), "-k", str(root)]
                + arguments
            ),
            stdout=server_log,
            stderr=subprocess.STDOUT,
        )
        try:
            started = Cluster(port=port, server=server, data_dir=data_dir)
            _wait_ready(started, server)
            yield started
        finally:
            subprocess.run(
                _as_owner([tools["pg_ctl"], "stop", "-D", str(data_dir), "-m", "fast"]),
                check=False,
                stdout=server_log,
                stderr=subprocess.STDOUT,
            )
            server.wait(timeout=60)
            server_log.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _wait_ready(started: Cluster, server: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    import psycopg2

    deadline = time.monotonic() + timeout_s
    target = started.settings
    while True:
        try:
            psycopg2.connect(
                host=target.host, port=target.port, user=target.user, dbname=target.database
            ).close()
            return
        except psycopg2.OperationalError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.2)
