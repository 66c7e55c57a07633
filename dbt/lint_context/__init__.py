"""dbt's `var()` and `exceptions` for sqlfluff's jinja templater, with the project's real values.

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
