"""Text as a SQL string literal, for the few statements that inline values.

Extraction and the checks inline catalogue names, file paths and dates rather than bind them:
on a large DuckDB warehouse the first statement with parameters of a connection takes seconds
(see extraction/ledger.py). Quoting lives here once.
"""


def sql_text(text: str) -> str:
    """`text` as a single-quoted SQL literal, inner quotes doubled."""
    return "'" + text.replace("'", "''") + "'"
