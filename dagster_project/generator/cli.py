"""`revops-generate`: write the sample company's source exports into a landing directory."""

from __future__ import annotations

import argparse
import time
from datetime import date
from pathlib import Path

from dagster_project.generator.generate import DEFAULT_END, DEFAULT_START, MIN_SIZE, generate


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
    return parser


def main(argv: list[str] | None = None) -> None:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.size < MIN_SIZE:
        parser.error(f"--size must be at least {MIN_SIZE}")
    if args.end <= args.start:
        parser.error("--end must be after --start")
    began = time.perf_counter()
    rows = generate(args.out, args.size, args.seed, args.start, args.end)
    elapsed = time.perf_counter() - began
    width = max(len(name) for name in rows)
    for name, count in rows.items():
        print(f"{name:<{width}}  {count:>12,}")
    total = sum(rows.values())
    print(f"{'total':<{width}}  {total:>12,}")
    print(f"wrote {args.out} in {elapsed:.1f} s ({total / elapsed:,.0f} rows/s)")


if __name__ == "__main__":
    main()
