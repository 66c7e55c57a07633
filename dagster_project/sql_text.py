"""Text as SQL: string literals and identifiers, for the statements that inline values.

Extraction and the checks inline catalogue names, file paths and dates rather than bind them:
on a large DuckDB warehouse the first statement with parameters of a connection takes seconds
(see extraction/ledger.py). Column names of landing files are the export's, so they are quoted
as identifiers. Quoting lives here once.
"""


def sql_text(text: str) -> str:
    """`text` as a single-quoted SQL literal, inner quotes doubled."""
    return "'" + text.replace("'", "''") + "'"


def sql_identifier(name: str) -> str:
    """`name` as a double-quoted SQL identifier, inner double quotes doubled."""
    return '"' + name.replace('"', '""') + '"'
