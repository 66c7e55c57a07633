"""Landing files as lines: which file line each record starts on, and what is wrong with a file
DuckDB cannot parse, said the way a person fixes it.

DuckDB numbers records, not lines: it skips blank lines and a CSV record spans as many lines as
its quoted values hold line breaks. Quarantine and errors promise the file's line, so records are
mapped to lines here, by reading the file again only when the counts differ (most files have one
record per line). When DuckDB rejects a file, its message names the line after the bad one (for
JSON lines) and copies whatever follows an unbalanced quote (the rest of the file): the file is
read again here, in Python, to find the first bad line and quote that line alone.
"""

from __future__ import annotations

import csv
import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

BOM = b"\xef\xbb\xbf"
# How much of a line a message quotes.
_EXCERPT = 120
_CHUNK = 1 << 20


def excerpt(text: str) -> str:
    text = text.rstrip("\r\n")
    return text if len(text) <= _EXCERPT else text[:_EXCERPT] + "…"


def _line_count(path: Path) -> int:
    """Lines in the file, a last line without a line break included (fast: bytes, in chunks)."""
    count, last = 0, b"\n"
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")


def record_lines(path: Path, file_format: str, records: int) -> list[int] | None:
    """The file line each record starts on, or None when record n is simply line n (n + 1 for
    a CSV, after its header): no blank line, no value holding a line break."""
    header = 1 if file_format == "csv" else 0
    if _line_count(path) == records + header:
        return None
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        if file_format == "jsonl":
            starts = [number for number, line in enumerate(handle, start=1) if line.strip()]
        else:
            lines = _Lines(handle)
            try:
                starts = [lines.record_start for row in csv.reader(lines, strict=True) if row]
            except csv.Error:
                return None
            starts = starts[header:]
    # Read otherwise than DuckDB read it (a rare whitespace, a quoting corner): record numbers
    # are better than lines that might belong to other records.
    return starts if len(starts) == records else None


@contextmanager
def without_bom(path: Path) -> Iterator[Path]:
    """The file, or a copy without its UTF-8 byte-order mark (which DuckDB's JSON reader takes
    for a malformed record). Editors on Windows add one; it is not part of the data."""
    with path.open("rb") as handle:
        if handle.read(len(BOM)) != BOM:
            yield path
            return
        with tempfile.TemporaryDirectory(prefix="revops-bom-") as folder:
            copy = Path(folder) / path.name
            with copy.open("wb") as out:
                shutil.copyfileobj(handle, out)
            yield copy


def first_problem(path: Path, file_format: str) -> str | None:
    """What is wrong with a file DuckDB could not parse, from its first bad line: the line, the
    field where known, and that line quoted. None when nothing is found here (and for Parquet,
    which has no lines)."""
    if file_format not in ("jsonl", "csv"):
        return None
    problem = _invalid_utf8(path, file_format)
    if problem is None and file_format == "jsonl":
        problem = _bad_json_line(path)
    if problem is None and file_format == "csv":
        problem = _bad_csv_record(path)
    return problem


def _invalid_utf8(path: Path, file_format: str) -> str | None:
    header: list[str] = []
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.removeprefix(BOM) if number == 1 else raw
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError as error:
                byte = line[error.start : error.start + 1].hex().upper()
                field = _field_of_bad_byte(line, file_format, header)
                where = f", field '{field}'" if field else ""
                return (
                    f"line {number}{where}: not valid UTF-8 (byte 0x{byte}); save the file as UTF-8"
                )
            if number == 1 and file_format == "csv":
                header = next(csv.reader([text]), [])
    return None


def _field_of_bad_byte(line: bytes, file_format: str, header: list[str]) -> str | None:
    """The field holding the undecodable byte: a CSV column or a JSON key path."""
    text = line.decode("utf-8", errors="surrogateescape")
    if file_format == "csv":
        values = next(csv.reader([text]), [])
        for index, value in enumerate(values):
            if _has_surrogate(value):
                return header[index] if index < len(header) else f"column {index + 1}"
        return None
    try:
        record = json.loads(text)
    except json.JSONDecodeError:
        return None
    return _json_path_with(record, _has_surrogate)


def _has_surrogate(value: str) -> bool:
    return any("\udc80" <= char <= "\udcff" for char in value)


def _json_path_with(node: Any, bad: Any, prefix: str = "") -> str | None:
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = ((f"[{i}]", v) for i, v in enumerate(node))
    else:
        return prefix if isinstance(node, str) and bad(node) else None
    for key, value in items:
        path = f"{prefix}{key}" if key.startswith("[") else f"{prefix}.{key}".lstrip(".")
        if bad(key):
            return path
        if found := _json_path_with(value, bad, path):
            return found
    return None


def _bad_json_line(path: Path) -> str | None:
    with path.open(encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line.rstrip("\r\n"))
            except json.JSONDecodeError as error:
                # Python's messages end in "at" or not ("Expecting value", "Unterminated string
                # starting at").
                where = error.msg if error.msg.endswith(" at") else f"{error.msg} at"
                return (
                    f"line {number}: not valid JSON ({where} column {error.colno}): {excerpt(line)}"
                )
            if not isinstance(record, dict):
                return f"line {number}: a JSON record must be an object: {excerpt(line)}"
    return None


def _bad_csv_record(path: Path) -> str | None:
    """The first record that is not the header's shape, or the quote that never closes."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        lines = _Lines(handle)
        width = None
        try:
            for row in csv.reader(lines, strict=True):
                if not row:
                    continue
                width = width or len(row)
                if len(row) != width:
                    return (
                        f"line {lines.record_start}: {len(row)} values where the header has "
                        f"{width}: {excerpt(lines.first_line)}"
                    )
        except csv.Error as error:
            if lines.in_quote:
                return (
                    f"line {lines.record_start}: a quoted value opened on this line never "
                    f"closes: {excerpt(lines.first_line)}"
                )
            return f"line {lines.record_start}: {error}: {excerpt(lines.first_line)}"
    return None


class _Lines:
    """Feeds a csv.reader line by line, keeping the line its current record starts on."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle
        self.number = 0
        self.record_start = 1
        self.first_line = ""
        # A quote is open at the end of the last line read: the record goes on.
        self.in_quote = False

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self._handle)
        self.number += 1
        if not self.in_quote:
            self.record_start, self.first_line = self.number, line
        # An escaped quote ("") counts twice: only an odd count opens or closes a value.
        self.in_quote ^= line.count('"') % 2 == 1
        return line
