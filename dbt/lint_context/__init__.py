"""dbt's `var()`, `exceptions` and `adapter.dispatch` for sqlfluff's jinja templater, with the
project's real values.

sqlfluff renders models without dbt; its stand-in `var()` returns a placeholder, on which models
that iterate a dict of weights or subtract from a window fail to render and go unlinted. This
library (pyproject.toml: `library_path`) gives them the values of dbt_project.yml instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

_VARS: dict[str, Any] = yaml.safe_load(
    (Path(__file__).resolve().parent.parent / "dbt_project.yml").read_text(encoding="utf-8")
)["vars"]


def var(name: str, default: Any = None) -> Any:
    # `as_of_date` is a template that only dbt renders; its value when nothing sets it.
    return _VARS.get(f"default_{name}", _VARS.get(name, default))


class exceptions:
    @staticmethod
    def raise_compiler_error(message: str) -> None:
        raise RuntimeError(message)


class adapter:
    """dbt's `adapter.dispatch`, for the cross-database macros: lint reads the DuckDB form (or the
    default one that DuckDB shares with PostgreSQL)."""

    @staticmethod
    def dispatch(name: str, macro_namespace: str | None = None) -> Any:
        from jinja2 import pass_context
        from jinja2.runtime import Context, Undefined

        @pass_context
        def duckdb_form(context: Context, *args: Any, **kwargs: Any) -> Any:
            form = context.resolve(f"duckdb__{name}")
            if isinstance(form, Undefined):
                form = context.resolve(f"default__{name}")
            return form(*args, **kwargs)

        return duckdb_form

    @staticmethod
    def quote(identifier: str) -> str:
        """DuckDB's quoting of a column name (dbt's `adapter.quote`)."""
        return f'"{identifier}"'


class dbt:
    """dbt's own cross-database macros the models call, in the form dbt-duckdb renders."""

    @staticmethod
    def dateadd(datepart: str, interval: Any, from_date_or_timestamp: str) -> str:
        return f"date_add({from_date_or_timestamp}, interval ({interval}) {datepart})"
