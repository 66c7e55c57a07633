"""The published marts of two engines, read into comparable rows.

Values are normalised so that equal numbers compare equal whatever engine typed them: decimals
(money, rates) as exact Decimals without trailing zeros, doubles within a tolerance, JSON as
parsed documents. Each mart gives a checksum of its sorted normalised rows, where doubles count
to DOUBLE_DIGITS significant digits.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

# Doubles: the engines' floating point differs in the last bits (sums in another order, a median
# interpolated differently); 12 significant digits is far finer than any published ratio needs.
DOUBLE_RELATIVE_TOLERANCE = 1e-12
DOUBLE_DIGITS = 9


def normalise(value: Any) -> Any:
    if isinstance(value, Decimal):
        return value.normalize() if value else Decimal(0)
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.dumps(json.loads(value), sort_keys=True)
        except ValueError:
            return value
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return value


def _digest_value(value: Any) -> str:
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.{DOUBLE_DIGITS}g}"
    if isinstance(value, date | datetime):
        return value.isoformat()
    return repr(value)


def comparable(rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """The rows normalised and sorted (by their digest: doubles rounded, so both engines sort
    rows that differ only in the last bits the same way)."""
    normalised = [tuple(normalise(value) for value in row) for row in rows]
    return sorted(normalised, key=lambda row: [_digest_value(value) for value in row])


def checksum(rows: list[tuple[Any, ...]]) -> str:
    text = "\n".join("|".join(_digest_value(value) for value in row) for row in rows)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def same_value(left: Any, right: Any) -> bool:
    if isinstance(left, float) or isinstance(right, float):
        if left is None or right is None:
            return left is right
        if math.isinf(left) or math.isinf(right):
            return left == right
        return math.isclose(left, right, rel_tol=DOUBLE_RELATIVE_TOLERANCE, abs_tol=1e-12)
    return left == right


def differences(
    columns: Sequence[str], left: list[tuple[Any, ...]], right: list[tuple[Any, ...]]
) -> list[str]:
    """Where two marts differ: the row count, or the first rows with a differing column."""
    if len(left) != len(right):
        return [f"{len(left)} rows against {len(right)}"]
    found = []
    for left_row, right_row in zip(left, right, strict=True):
        for column, a, b in zip(columns, left_row, right_row, strict=True):
            if not same_value(a, b):
                found.append(f"{column}: {a!r} against {b!r} (row {left_row[:3]})")
        if len(found) >= 5:
            break
    return found
