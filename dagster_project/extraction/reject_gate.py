"""The reject-share gate, judged on what the run would publish, not on what it happened to read.

Every run weighs the whole table: the rows of every file the ledger (`meta.loaded_files`) holds
for it, that is the rows in raw plus those in quarantine. A load commits its rows before the gate
speaks, so a file that failed stays in the ledger with its rejected rows counted: the next run
reads nothing new, weighs the same rows and fails with the same message, until the file changes
(it is then loaded again and weighed anew) or the limit does. A load judged on its own rows let a
rerun publish what the first run refused.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from dagster_project.extraction.ledger import LEDGER
from dagster_project.sql_text import sql_text


class RejectShareExceeded(Exception):
    """Too many rows of one source table were quarantined for the run to go on."""


@dataclass(frozen=True)
class TableShare:
    table: str
    rows_read: int
    rows_quarantined: int
    # The files holding quarantined rows, in landing order.
    files: tuple[str, ...]
    # (reason summary, count, its first three bad rows as file:line), most frequent first.
    top_reasons: tuple[tuple[str, int, str], ...]

    @property
    def reject_share(self) -> float:
        return self.rows_quarantined / self.rows_read if self.rows_read else 0.0


def table_share(con: duckdb.DuckDBPyConnection, raw_table: str) -> TableShare:
    """Rows read and quarantined over every file of the table in the ledger."""
    name = sql_text(raw_table)
    rows_read, rows_quarantined = con.execute(
        "select coalesce(sum(rows_read), 0), coalesce(sum(rows_quarantined), 0) "
        f"from {LEDGER} where source_table = {name}"
    ).fetchone()
    files = con.execute(
        f"select source_file from {LEDGER} where source_table = {name} "
        "and rows_quarantined > 0 order by landing_date, source_file"
    ).fetchall()
    # The examples are each reason's first three bad rows in file order, the ones to look at.
    top_reasons = con.execute(
        "select field || ': ' || regexp_replace(reason, ': .*$', '') as summary, count(*), "
        "array_to_string(list(source_file || ':' || source_line "
        "order by source_file, source_line)[1:3], ', ') "
        f"from quarantine.rejected_rows where source_table = {name} "
        "group by 1 order by 2 desc, min((source_file, source_line)) limit 5"
    ).fetchall()
    return TableShare(
        raw_table,
        int(rows_read),
        int(rows_quarantined),
        tuple(row[0] for row in files),
        tuple((summary, count, example) for summary, count, example in top_reasons),
    )


def check_reject_share(share: TableShare, max_share: float) -> None:
    """Fail when the table's rejected share is above `max_share`, naming files and reasons."""
    if share.reject_share <= max_share:
        return
    reasons = "; ".join(
        f"{summary} x{count} (e.g. {example})" for summary, count, example in share.top_reasons
    )
    shown = ", ".join(share.files[:3]) + (
        f" and {len(share.files) - 3} more" if len(share.files) > 3 else ""
    )
    raise RejectShareExceeded(
        f"{share.table}: {share.rows_quarantined} of {share.rows_read} rows "
        f"({share.reject_share:.1%}) quarantined, above the limit of {max_share:.1%} "
        f"(quarantine_max_reject_share), in {shown}. Top reasons: {reasons}. "
        "Rows are in quarantine.rejected_rows of the build warehouse; every run fails on this "
        "table until its files are corrected."
    )
