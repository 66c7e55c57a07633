"""The generation phase: `revops-generate`'s own function, with its row counts kept as JSON.

Usage: python -m bench.generate --size N --seed S --out DIR --counts FILE
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from dagster_project.generator import generate


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--counts", type=Path, required=True)
    args = parser.parse_args(argv)
    # A previous, larger run may have written more part files than this one will.
    shutil.rmtree(args.out, ignore_errors=True)
    args.counts.write_text(json.dumps(generate(args.out, args.size, args.seed), indent=2))


if __name__ == "__main__":
    main()
