"""Write source exports: numpy columns -> Arrow -> DuckDB SQL -> JSON lines / CSV, and Parquet.

DuckDB renders the nested JSON (HubSpot properties, Stripe lists) and the timestamp texts in
vectorised SQL; `preserve_insertion_order` plus an explicit `order by` keeps every byte
deterministic whatever the thread count. Tables over `part_rows` rows are split into several
`part-NNNN` files, as a daily or chunked export would be.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

_MACROS = (
    # NONE (-1) marks a missing moment in the numpy columns; it becomes JSON null here.
    "create macro iso(s) as "
    "strftime(make_timestamp(nullif(s, -1) * 1000000), '%Y-%m-%dT%H:%M:%S.000Z')",
    "create macro ymd(s) as strftime(make_timestamp(nullif(s, -1) * 1000000), '%Y-%m-%d')",
    "create macro local_ts(s, off) as "
    "strftime(make_timestamp((s + off * 3600) * 1000000), '%Y-%m-%d %H:%M:%S') "
    "|| '+0' || off::varchar || ':00'",
    "create macro epoch(s) as nullif(s, -1)",
    "create macro tf(b) as case b when 1 then 'true' when 0 then 'false' end",
    "create macro opt_id(i) as nullif(i, -1)::varchar",
)
FORMAT_OPTIONS = {"jsonl": "format json", "csv": "format csv, header true"}


def lookup(values: tuple[str, ...], column: str) -> str:
    """SQL picking `values[column]` for an integer code column; NULL for code -1."""
    quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    return f"([{quoted}])[nullif({column}, -1) + 1]"


def padded_ids(prefix: str, numbers: np.ndarray, digits: int) -> pa.StringArray:
    """`prefix` + zero-padded numbers as an Arrow string column, built from raw bytes: ten
    million message ids in well under a second, where Python formatting takes many."""
    n = len(numbers)
    head = np.frombuffer(prefix.encode(), dtype=np.uint8)
    width = len(head) + digits
    data = np.empty((n, width), dtype=np.uint8)
    data[:, : len(head)] = head
    rest = numbers.astype(np.int64)
    for d in range(digits - 1, -1, -1):
        data[:, len(head) + d] = 48 + rest % 10
        rest = rest // 10
    offsets = np.arange(n + 1, dtype=np.int32) * width
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))


def to_arrow(values: np.ndarray | pa.Array) -> pa.Array:
    """A numpy column as an Arrow array, zero-copy where possible (see `register`)."""
    if isinstance(values, pa.Array):
        return values
    values = np.ascontiguousarray(values)
    if values.dtype == np.bool_:
        bits = np.packbits(values, bitorder="little")
        return pa.Array.from_buffers(pa.bool_(), len(values), [None, pa.py_buffer(bits)])
    arrow_type = pa.from_numpy_dtype(values.dtype)
    return pa.Array.from_buffers(arrow_type, len(values), [None, pa.py_buffer(values)])


def string_array(values: tuple[str, ...]) -> pa.StringArray:
    """A small Arrow string array (dictionary values) without `pa.array` (see `register`)."""
    encoded = [v.encode() for v in values]
    offsets = np.zeros(len(values) + 1, dtype=np.int32)
    np.cumsum([len(v) for v in encoded], out=offsets[1:])
    data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    return pa.StringArray.from_buffers(len(values), pa.py_buffer(offsets), pa.py_buffer(data))


class LandingWriter:
    """Writes `<out>/<system>/<table>/part-NNNN.<ext>` and records row counts."""

    def __init__(self, out_dir: Path, part_rows: int = 1_000_000) -> None:
        self.out_dir = out_dir
        self.part_rows = part_rows
        self.rows: dict[str, int] = {}
        self._scratch = tempfile.TemporaryDirectory(prefix="revops-generate-")
        self.con = duckdb.connect()
        self.con.execute("set preserve_insertion_order = true")
        for macro in _MACROS:
            self.con.execute(macro)

    def register(self, name: str, columns: dict[str, np.ndarray | pa.Array]) -> None:
        """Make numpy columns queryable as a view. They go through an uncompressed Parquet
        file, not `con.register`: handing Python objects to DuckDB (and `pa.array`) imports
        pandas, which costs seconds per run on a busy machine and buys nothing here."""
        path = Path(self._scratch.name) / f"{name}.parquet"
        names = list(columns)
        table = pa.Table.from_arrays([to_arrow(columns[k]) for k in names], names=names)
        pq.write_table(table, path, compression="none")
        self.con.execute(f"create or replace view {name} as select * from read_parquet('{path}')")

    def _folder(self, system: str, table: str, extension: str) -> Path:
        folder = self.out_dir / system / table
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob(f"part-*.{extension}"):
            stale.unlink()  # a previous, bigger run may have left more parts
        return folder

    def write(self, system: str, table: str, extension: str, sql: str, rows: int) -> None:
        """Write the rows of `sql`, which must select a 0-based `_row` column (the file order,
        used to split parts and then dropped)."""
        folder = self._folder(system, table, extension)
        parts = max(1, -(-rows // self.part_rows))
        for part in range(parts):
            low, high = part * self.part_rows, (part + 1) * self.part_rows
            path = folder / f"part-{part:04d}.{extension}"
            self.con.execute(
                f"copy (select * exclude (_row) from ({sql}) "
                f"where _row >= {low} and _row < {high} order by _row) "
                f"to '{path}' ({FORMAT_OPTIONS[extension]})"
            )
        self.rows[f"{system}_{table}"] = rows

    def write_parquet(self, system: str, table: str, data: pa.Table, part_rows: int) -> None:
        folder = self._folder(system, table, "parquet")
        parts = max(1, -(-data.num_rows // part_rows))
        for part in range(parts):
            chunk = data.slice(part * part_rows, part_rows)
            # No Arrow schema in the file: dictionary columns read back as plain strings.
            pq.write_table(
                chunk,
                folder / f"part-{part:04d}.parquet",
                compression="zstd",
                row_group_size=500_000,
                store_schema=False,
            )
        self.rows[f"{system}_{table}"] = data.num_rows

    def close(self) -> None:
        self.con.close()
        self._scratch.cleanup()
