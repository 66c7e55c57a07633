"""The JSON values row rules read, parsed once per record and column rather than once per rule.

A rule reads a nested value with `properties->>'amount'`, `data->'object'->>'id'` or
`json_extract_string("data", '$."object"."created"')`: each such expression parses the whole
JSON text of its column again, so a HubSpot record checked by twenty rules was parsed twenty
times. Here every such value of one column comes from one `json_extract_string(column, [paths])`,
and each rule reads its element of that list, the same text. A path with a wildcard (`[*]`)
gives a list per record and stays as the rule wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from dagster_project.sql_text import sql_identifier, sql_text

_ARROWS = re.compile(r"(\w+)((?:->(?:'[^'\"]*'|\d+))*)->>'([^'\"]*)'")
_STEP = re.compile(r"->(?:'([^'\"]*)'|(\d+))")
_EXTRACT = re.compile(r"json_extract_string\(\"(\w+)\", '(\$[^'*]*)'\)")
# Columns the shared lists add to the records a rule pass reads.
_PREFIX = "_rule_json_"


def json_path(expr: str) -> tuple[str, str] | None:
    """(column, JSONPath) of an expression reading one nested value as text, else None."""
    if match := _EXTRACT.fullmatch(expr):
        return match[1], match[2]
    if match := _ARROWS.fullmatch(expr):
        steps = "".join(
            f"[{index}]" if index else f'."{key}"' for key, index in _STEP.findall(match[2])
        )
        return match[1], f'${steps}."{match[3]}"'
    return None


def shared_json_values(exprs: tuple[str, ...]) -> tuple[list[str], Callable[[str], str]]:
    """The list columns to add to the records (`json_extract_string(...) as _rule_json_<n>`),
    and a function rewriting SQL over `exprs` to read those lists instead."""
    paths: dict[str, dict[str, int]] = {}
    element: dict[str, str] = {}
    for expr in dict.fromkeys(exprs):
        found = json_path(expr)
        if found is None:
            continue
        column, path = found
        positions = paths.setdefault(column, {})
        positions.setdefault(path, len(positions) + 1)
        element[expr] = f"{_PREFIX}{list(paths).index(column) + 1}[{positions[path]}]"
    projections = [
        f"json_extract_string({sql_identifier(column)}, "
        f"[{', '.join(sql_text(path) for path in positions)}]) as {_PREFIX}{number}"
        for number, (column, positions) in enumerate(paths.items(), start=1)
    ]
    # Longest first: no expression is rewritten inside a longer one that contains it.
    ordered = sorted(element, key=len, reverse=True)

    def rewrite(sql: str) -> str:
        for expr in ordered:
            sql = sql.replace(expr, element[expr])
        return sql

    return projections, rewrite
