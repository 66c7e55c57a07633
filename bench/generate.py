"""The generation phases: `revops-generate`'s own functions, with their row counts kept as JSON.

Usage: python -m bench.generate --size N --seed S --out DIR --counts FILE
       python -m bench.generate --day YYYY-MM-DD --seed S --out DIR --counts FILE

With --day, one daily increment is added to the landing folder DIR (`generate_day`), which
must already hold the initial export.
"""

from __future__ import annotations

import argparse
import json
import shutil
from datetime import date
from pathlib import Path

from generator import generate
from generator.daily import generate_day


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--size", type=int, help="a new company of this size (initial export)")
    what.add_argument("--day", type=date.fromisoformat, help="the daily increment of this day")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--counts", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.day:
        # The initial export is the generator's default history (generate() below).
        rows = generate_day(args.out, args.day, args.seed)
    else:
        # A previous, larger run may have written more part files than this one will.
        shutil.rmtree(args.out, ignore_errors=True)
        rows = generate(args.out, args.size, args.seed)
    args.counts.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
