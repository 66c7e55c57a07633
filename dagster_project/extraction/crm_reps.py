"""The reps file: each CRM owner's role, team and quarterly quota, when the export lacks them.

HubSpot owners carry a name and an email, not what the metrics need of a rep (SDR, AE, CSM or AM;
the team; the quota in EUR). `<landing>/crm/reps.csv` gives them, one row per owner, matched by
email (case-insensitive):

    email,role,team,quarterly_quota_eur
    ana@example.com,AE,Sales EMEA,90000

Where the file gives a value it wins over the export's property (extraction writes the rows to
`raw.crm_reps`, stg_crm__owners joins them). A header-only file holds no reps; a malformed one is
an error naming its line, found at run start.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from dagster_project.extraction.config_files import located
from dagster_project.source_catalog import OWNER_ROLES

REPS_FILE = Path("crm") / "reps.csv"
COLUMNS = ("email", "role", "team", "quarterly_quota_eur")


@dataclass(frozen=True)
class Rep:
    email: str
    role: str | None
    team: str | None
    quarterly_quota_eur: Decimal | None
    line: int


def reps_path(landing_dir: Path) -> Path:
    return landing_dir / REPS_FILE


def load_reps(landing_dir: Path) -> tuple[Rep, ...]:
    """The reps of the landing folder's reps file; none without one."""
    path = reps_path(landing_dir)
    if not path.is_file():
        return ()
    records = _records(path)
    header_line = next(records, None)
    if header_line is None:
        raise located(path, 1, f"empty file: the header line is {','.join(COLUMNS)}")
    header = [name.strip() for name in header_line[1]]
    unknown = [name for name in header if name not in COLUMNS]
    if unknown or "email" not in header or len(set(header)) != len(header):
        raise located(
            path,
            1,
            f"the header names columns {', '.join(header)}; expected email and any of "
            f"{', '.join(COLUMNS[1:])}, each once",
        )
    reps: list[Rep] = []
    first_line: dict[str, int] = {}
    for line, record in records:
        if not any(field.strip() for field in record):
            continue
        if len(record) != len(header):
            raise located(path, line, f"{len(record)} fields, the header has {len(header)}")
        row = {name: (value.strip() or None) for name, value in zip(header, record, strict=True)}
        rep = _rep(path, line, row)
        key = rep.email.lower()
        if key in first_line:
            raise located(
                path, line, f"email {rep.email} is given twice (first on line {first_line[key]})"
            )
        first_line[key] = line
        reps.append(rep)
    return tuple(reps)


def _records(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line, fields) of each CSV record; a record may span lines in quotes, its last counts."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise located(path, 1, f"not UTF-8 text: {error.reason}") from error
    reader = csv.reader(text.splitlines(keepends=True), strict=True)
    try:
        for record in reader:
            yield reader.line_num, record
    except csv.Error as error:
        raise located(path, reader.line_num, f"not valid CSV: {error}") from error


def _rep(path: Path, line: int, row: dict[str, str | None]) -> Rep:
    email = row.get("email")
    if not email:
        raise located(path, line, "email: missing value")
    role = row.get("role")
    if role is not None and role not in OWNER_ROLES:
        raise located(
            path, line, f"role: unknown value {role} (expected one of {', '.join(OWNER_ROLES)})"
        )
    quota_text = row.get("quarterly_quota_eur")
    quota = None
    if quota_text is not None:
        try:
            quota = Decimal(quota_text)
        except InvalidOperation:
            quota = None
        if quota is None or not quota.is_finite() or quota < 0:
            raise located(
                path, line, f"quarterly_quota_eur: not a non-negative amount: {quota_text}"
            )
    return Rep(email, role, row.get("team"), quota, line)
