"""Write source exports: numpy columns -> Arrow -> DuckDB SQL -> JSON lines / CSV, and Parquet.

DuckDB renders the nested JSON (HubSpot properties, Stripe lists) and the timestamp texts in
vectorised SQL; `preserve_insertion_order` plus an explicit `order by` keeps every byte
deterministic whatever the thread count. Tables over `part_rows` rows are split into several
`part-NNNN` files, as a daily or chunked export would be.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from dagster_project.sql_text import sql_text

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
    quoted = ", ".join(sql_text(v) for v in values)
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


Columns = dict[str, np.ndarray | pa.Array]


def _take(values: np.ndarray | pa.Array, index: np.ndarray) -> np.ndarray | pa.Array:
    """Rows of a numpy or Arrow column by boolean mask or positions."""
    if isinstance(values, pa.Array):
        if index.dtype == np.bool_:
            return values.filter(to_arrow(index))
        return values.take(to_arrow(index))
    return values[index]


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
    """Writes `<out>/<system>/<table>/part-NNNN.<ext>` and records row counts; with a
    `partition` (`date=YYYY-MM-DD`: a daily increment) under `<table>/<partition>/`."""

    def __init__(self, out_dir: Path, part_rows: int = 1_000_000, partition: str = "") -> None:
        self.out_dir = out_dir
        self.part_rows = part_rows
        self.partition = partition
        self.rows: dict[str, int] = {}
        # Scratch Parquet in memory when the machine has a tmpfs: it is written and read once.
        shm = Path("/dev/shm")
        self._scratch = tempfile.TemporaryDirectory(
            prefix="revops-generate-", dir=shm if shm.is_dir() else None
        )
        self.con = duckdb.connect()
        self.con.execute("set preserve_insertion_order = true")
        for macro in _MACROS:
            self.con.execute(macro)

    def register(self, name: str, columns: Columns) -> None:
        """Make numpy columns queryable as a view. They go through an uncompressed Parquet
        file, not `con.register`: handing Python objects to DuckDB (and `pa.array`) imports
        pandas, which costs seconds per run on a busy machine and buys nothing here."""
        path = Path(self._scratch.name) / f"{name}.parquet"
        names = list(columns)
        table = pa.Table.from_arrays([to_arrow(columns[k]) for k in names], names=names)
        pq.write_table(table, path, compression="none", use_dictionary=False)
        self.con.execute(f"create or replace view {name} as select * from read_parquet('{path}')")

    def _folder(self, system: str, table: str, extension: str) -> Path:
        folder = self.out_dir / system / table / self.partition
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob(f"part-*.{extension}"):
            stale.unlink()  # a previous, bigger run may have left more parts
        if not self.partition:
            # Daily increments continued the export being replaced: they no longer apply.
            for increment in folder.glob("date=*"):
                shutil.rmtree(increment)
        return folder

    def write(
        self, system: str, table: str, extension: str, sql: str, tables: dict[str, Columns]
    ) -> None:
        """Write the rows of `sql` over `tables` (registered as views of those names). Every
        table has a `_row` column: the output row for the main (first) table, the parent row
        for child tables. `sql` selects `_row` first; it orders and splits the output and is
        dropped. Big tables are split in numpy, so each part only reads its own rows."""
        folder = self._folder(system, table, extension)
        rows = len(next(iter(tables.values()))["_row"])
        parts = max(1, -(-rows // self.part_rows))
        for part in range(parts):
            low, high = part * self.part_rows, (part + 1) * self.part_rows
            for name, columns in tables.items():
                if parts > 1:
                    keep = (columns["_row"] >= low) & (columns["_row"] < high)
                    columns = {k: _take(v, keep) for k, v in columns.items()}
                self.register(name, columns)
            path = folder / f"part-{part:04d}.{extension}"
            self.con.execute(
                f"copy (select * exclude (_row) from ({sql}) order by _row) "
                f"to '{path}' ({FORMAT_OPTIONS[extension]})"
            )
        self.rows[f"{system}_{table}"] = rows

    def nested(
        self,
        parent: np.ndarray,
        parents: int,
        columns: Columns,
        item_sql: str,
        source: str = "select * from _children",
    ) -> pa.Array:
        """One list per parent row of the items `item_sql` renders from child `columns`
        (child i belongs to parent row `parent[i]`; children keep their given order inside a
        parent). `source` may wrap the `_children` view to derive columns. Built in Arrow from
        offsets: DuckDB's ordered `list()` aggregate is several times slower."""
        order = np.argsort(parent, kind="stable")
        self.register(
            "_children",
            {k: _take(v, order) for k, v in columns.items()} | {"_pos": np.arange(len(order))},
        )
        items = (
            self.con.execute(f"select {item_sql} as item from ({source}) order by _pos")
            .to_arrow_table()
            .column("item")
            .combine_chunks()
        )
        counts = np.bincount(parent, minlength=parents)
        bounds = np.zeros(parents + 1, dtype=np.int32)
        np.cumsum(counts, out=bounds[1:])
        return pa.ListArray.from_arrays(to_arrow(bounds), items)

    def write_parquet(
        self, system: str, table: str, data: pa.Table, part_rows: int, dictionary: list[str]
    ) -> None:
        """Write an Arrow table as Parquet parts; only the `dictionary` columns are
        dictionary-encoded (ids that are unique per row gain nothing from it)."""
        folder = self._folder(system, table, "parquet")
        parts = max(1, -(-data.num_rows // part_rows))
        for part in range(parts):
            chunk = data.slice(part * part_rows, part_rows)
            # No Arrow schema in the file: dictionary columns read back as plain strings.
            pq.write_table(
                chunk,
                folder / f"part-{part:04d}.parquet",
                compression="snappy",
                use_dictionary=dictionary,
                row_group_size=500_000,
                store_schema=False,
            )
        self.rows[f"{system}_{table}"] = data.num_rows

    def write_json_text(self, system: str, table: str, sql: str) -> None:
        """Write JSON lines from `sql`, which selects one JSON text column in output order:
        for records patched as JSON (a new version of a delivered object), which have no
        column form to COPY. Daily increments hold few such rows."""
        lines = [row[0] for row in self.con.execute(sql).fetchall()]
        if lines:
            path = self._folder(system, table, "jsonl") / "part-0000.jsonl"
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.rows[f"{system}_{table}"] = len(lines)

    def close(self) -> None:
        self.con.close()
        self._scratch.cleanup()
