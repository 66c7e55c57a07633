"""Where the PostgreSQL target is: one set of environment variables, read here and by dbt.

dbt's profile (dbt/profiles.yml, target `postgres`) reads the same variables, so the raw copy and
dbt always write to the same database. A server that cannot be reached, or refuses the
credentials, stops with an error that names host, port, database, user and these variables,
never the password.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# The target switch: `postgres` builds the dbt project on the server below (docs/operations.md).
TARGET_VARIABLE = "REVOPS_TARGET"
VARIABLES = {
    "host": "REVOPS_PG_HOST",
    "port": "REVOPS_PG_PORT",
    "database": "REVOPS_PG_DATABASE",
    "user": "REVOPS_PG_USER",
    "password": "REVOPS_PG_PASSWORD",
}
DEFAULTS = {
    "host": "127.0.0.1",
    "port": "5432",
    "database": "revops",
    "user": "revops",
    "password": "",
}


class PostgresConnectionError(Exception):
    """The server is unreachable or refused the credentials; the message says where and how to
    point elsewhere, without the password."""


@dataclass(frozen=True)
class PostgresSettings:
    host: str
    port: int
    database: str
    user: str
    password: str = field(default="", repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> PostgresSettings:
        environ = os.environ if environ is None else environ
        values = {key: environ.get(name) or DEFAULTS[key] for key, name in VARIABLES.items()}
        port = values.pop("port")
        if not port.isdigit():
            raise PostgresConnectionError(
                f"{VARIABLES['port']}={port!r} is not a port number (an integer, e.g. 5432)"
            )
        return cls(port=int(port), **values)

    def env(self) -> dict[str, str]:
        """The variables dbt's `postgres` target reads, for a dbt subprocess. PGTZ=UTC: the
        models' timestamps are naive UTC, and libpq sets the session time zone from it."""
        return {
            "PGTZ": "UTC",
            TARGET_VARIABLE: "postgres",
            VARIABLES["host"]: self.host,
            VARIABLES["port"]: str(self.port),
            VARIABLES["database"]: self.database,
            VARIABLES["user"]: self.user,
            VARIABLES["password"]: self.password,
        }

    def describe(self) -> str:
        return (
            f"PostgreSQL at {self.host}:{self.port}, database {self.database!r}, user {self.user!r}"
        )


def connect(settings: PostgresSettings) -> Any:
    """An open psycopg2 connection, or PostgresConnectionError naming where it tried."""
    import psycopg2

    try:
        return psycopg2.connect(
            host=settings.host,
            port=settings.port,
            dbname=settings.database,
            user=settings.user,
            password=settings.password,
            connect_timeout=10,
        )
    except psycopg2.OperationalError as refused:
        reason = _first_line(str(refused), settings.password)
        variables = ", ".join(VARIABLES.values())
        raise PostgresConnectionError(
            f"{settings.describe()}: cannot connect ({reason}); check the server and the "
            f"settings {variables} (docs/operations.md)"
        ) from None


def _first_line(message: str, password: str) -> str:
    """The driver's reason, one line, with the password masked should the driver echo it."""
    line = next((part.strip() for part in message.splitlines() if part.strip()), "no reason")
    return line.replace(password, "***") if password else line
