"""`python -m demo --out DIR [--scale tiny|kbh|national] [--seed N] [--as-of D] [--errors R]`."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from demo import DEFAULT_SEED, SCALES, write_demo_extract


def build_parser() -> argparse.ArgumentParser:
    """The options of `python -m demo` (the same as `etl demo`)."""
    parser = argparse.ArgumentParser(
        prog="python -m demo", description="Write a synthetic demo extract."
    )
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--scale", choices=SCALES, default="kbh")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--as-of",
        type=dt.date.fromisoformat,
        default=None,
        help="extract date (YYYY-MM-DD; default yesterday)",
    )
    parser.add_argument("--errors", type=float, default=0.0, help="share of broken rows (0-0.5)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        out = write_demo_extract(
            args.out, scale=args.scale, seed=args.seed, as_of=args.as_of, error_rate=args.errors
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"Demo extract written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
