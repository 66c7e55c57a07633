"""`revops-generate`: write the sample company's source exports into a landing directory."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from dagster_project.source_catalog import CRM_SOURCES
from generator.daily import generate_day, generate_org_day
from generator.daily_state import last_landing_date
from generator.generate import (
    DEFAULT_END,
    DEFAULT_START,
    MIN_HISTORY_DAYS,
    MIN_SIZE,
    IncompleteCompany,
    generate,
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="revops-generate",
        description="Generate deterministic B2B SaaS source exports (CRM, marketing, product, "
        "billing, success) in the landing layout of docs/sources.md.",
    )
    parser.add_argument("--size", type=int, default=500, help="number of CRM companies")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=Path("data/landing"))
    parser.add_argument(
        "--start",
        type=date.fromisoformat,
        default=DEFAULT_START,
        help=f"first day of history (default {DEFAULT_START})",
    )
    parser.add_argument(
        "--end",
        type=date.fromisoformat,
        default=DEFAULT_END,
        help=f"last day of history, the as-of date (default {DEFAULT_END})",
    )
    parser.add_argument(
        "--crm",
        choices=CRM_SOURCES,
        default="hubspot",
        help="the CRM the company runs on: the same company's CRM exports in its shapes",
    )
    parser.add_argument(
        "--days",
        type=int,
        default=0,
        help="daily increments to write after the history (date=YYYY-MM-DD folders)",
    )
    parser.add_argument(
        "--continue",
        dest="resume",
        action="store_true",
        help="keep the landing's export and add --days increments after its last day "
        "(--size is not used; --end names the initial export's last day; an org: with "
        "--crm salesforce)",
    )
    return parser


def main(argv: list[str] | None = None) -> None:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.size < MIN_SIZE:
        parser.error(f"--size must be at least {MIN_SIZE}")
    if (args.end - args.start).days + 1 < MIN_HISTORY_DAYS:
        parser.error(f"--start..--end must span at least {MIN_HISTORY_DAYS} days")
    if args.days < 0 or (args.resume and args.days == 0):
        parser.error("--days must be positive (and given with --continue)")
    if not args.resume:
        began = time.perf_counter()
        try:
            rows = generate(args.out, args.size, args.seed, args.start, args.end, crm=args.crm)
        except IncompleteCompany as error:
            sys.exit(f"revops-generate: {error}")
        _report(rows, f"wrote {args.out}", time.perf_counter() - began)
    if args.days:
        first = (None if not args.resume else last_landing_date(args.out)) or args.end
        for day in range(args.days):
            began = time.perf_counter()
            current = first + timedelta(days=day + 1)
            write_day = generate_org_day if args.crm == "salesforce" else generate_day
            rows = write_day(args.out, current, args.seed, history_end=args.end)
            print()
            _report(rows, f"wrote date={current}", time.perf_counter() - began)


def _report(rows: dict[str, int], what: str, elapsed: float) -> None:
    width = max((len(name) for name in rows), default=5)
    for name, count in rows.items():
        print(f"{name:<{width}}  {count:>12,}")
    total = sum(rows.values())
    print(f"{'total':<{width}}  {total:>12,}")
    print(f"{what} in {elapsed:.1f} s ({total / max(elapsed, 1e-9):,.0f} rows/s)")


if __name__ == "__main__":
    main()
