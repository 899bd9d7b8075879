"""The ETL's command line: `python -m etl load|status|demo`.

Exit codes: 0 = loaded (rejected rows or a duplicate included), 1 = the run
failed unexpectedly, 2 = the extract (or the run) was refused.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from pathlib import Path
from typing import Any

from etl.pipeline import EtlBusy, RunResult, last_run, load_extract
from store import db

EXIT_OK, EXIT_FAILED, EXIT_REFUSED = 0, 1, 2


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def _engine(url: str | None) -> Any:
    engine = db.get_engine(url)
    db.init_db(engine)
    return engine


def _table(loaded: dict[str, int], rejected: dict[str, int]) -> list[str]:
    lines = [f"  {'file':<24}{'loaded':>10}{'rejected':>10}"]
    for name in loaded:
        lines.append(f"  {name:<24}{loaded[name]:>10}{rejected.get(name, 0):>10}")
    lines.append(f"  {'total':<24}{sum(loaded.values()):>10}{sum(rejected.values()):>10}")
    return lines


def _print_result(res: RunResult) -> None:
    date = res.extract_date.isoformat() if res.extract_date else "-"
    print(f"Run {res.run_id}: {res.status} (extract date {date})")
    if res.rows_loaded:
        print("\n".join(_table(res.rows_loaded, res.rows_rejected)))
    errors = sum(1 for p in res.problems if p.severity == "error")
    warnings = len(res.problems) - errors
    if res.problems:
        print(f"{errors} errors, {warnings} warnings: see `python -m etl status`")
    for p in res.problems:
        if p.severity == "warning":
            print(f"  warning: {p.file}: {p.message}")
    if res.message and res.status in ("duplicate",):
        print(res.message)


def cmd_load(args: argparse.Namespace) -> int:
    engine = _engine(args.database_url)
    try:
        res = load_extract(
            Path(args.path), as_of=args.as_of, engine=engine, allow_older=args.allow_older
        )
    except EtlBusy as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    _print_result(res)
    if res.status == "refused":
        print("The extract was refused; the store keeps the last good load:", file=sys.stderr)
        for p in res.problems:
            if p.severity == "error":
                print(f"  {p.file}: {p.message}", file=sys.stderr)
        return EXIT_REFUSED
    if res.status == "failed":
        print(f"The run failed and was rolled back: {res.message}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    engine = _engine(args.database_url)
    run = last_run(engine)
    if args.json:
        public = None if run is None else {k: v for k, v in run.items() if not k.startswith("_")}
        print(json.dumps(public, ensure_ascii=False, indent=2))
        return EXIT_OK
    if run is None:
        print("No ETL runs yet.")
        return EXIT_OK
    print(f"Run {run['run_id']}: {run['status']} (extract date {run['extract_date'] or '-'})")
    print(f"  started {run['_started_at']}, finished {run['_finished_at'] or '-'}")
    if run["_message"]:
        print(f"  {run['_message']}")
    if run["rows_loaded"]:
        print("\n".join(_table(run["rows_loaded"], run["rows_rejected"])))
    problems = run["problems"]
    if problems:
        print(f"{len(problems)} problems:")
        for p in problems[:50]:
            where = f"{p['file']}" + (f" line {p['line']}" if p["line"] is not None else "")
            print(f"  [{p['rule']}] {where}: {p['message']}")
        if len(problems) > 50:
            print(f"  ... and {len(problems) - 50} more (use --json for all)")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from etl.demo import write_demo_extract

    out = write_demo_extract(
        Path(args.out),
        scale=args.scale,
        seed=args.seed,
        as_of=args.as_of,
        error_rate=args.errors,
    )
    print(f"Demo extract written to {out}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m etl", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("load", help="load an extract folder or .zip into the store")
    p.add_argument("path", help="extract folder or .zip")
    p.add_argument("--as-of", type=_date, default=None, help="extract date (YYYY-MM-DD)")
    p.add_argument(
        "--allow-older",
        action="store_true",
        help="load an extract dated before the last loaded one (KPI figures dated after it "
        "are removed)",
    )
    p.add_argument("--database-url", default=None, help="store URL (default: DATABASE_URL)")
    p.set_defaults(func=cmd_load)

    p = sub.add_parser("status", help="show the last run")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--database-url", default=None, help="store URL (default: DATABASE_URL)")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("demo", help="write a synthetic demo extract")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--scale", choices=["kbh", "national"], default="kbh")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--as-of", type=_date, default=None, help="extract date (YYYY-MM-DD)")
    p.add_argument("--errors", type=float, default=0.0, help="share of broken rows (0-1)")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
