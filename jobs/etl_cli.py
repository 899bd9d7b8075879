"""The ETL's command line: `python -m etl load|status|prune|scheduler|demo` (`etl/__main__.py` calls `main`).

Exit codes of `load` (and `prune`): 0 = loaded (rejected rows or a duplicate
included), 2 = the extract was refused (nothing loaded), 3 = another load is
running (its process holds the run lock), 1 = the run failed, or the store
cannot be used at all (unwritable, disk full, unreachable): one line on stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

import settings
from jobs.load import EtlBusy, RunResult, load_extract, prune
from jobs.plausibility import ACCEPT_FUTURE, ACCEPT_SHRINK, ALLOW_OLDER
from store import db
from store.runs import last_loaded, last_run, lock_is_free
from vocab import RunStatus, Severity

EXIT_OK, EXIT_FAILED, EXIT_REFUSED, EXIT_BUSY = 0, 1, 2, 3


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def _runs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"not a number of runs (1 or more): {text!r}")
    return value


def _engine(url: str | None) -> Engine:
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
    errors = sum(1 for p in res.problems if p.severity == Severity.ERROR)
    warnings = len(res.problems) - errors
    if res.problems:
        print(f"{errors} errors, {warnings} warnings: see `python -m etl status`")
    for p in res.problems:
        if p.severity == Severity.WARNING:
            print(f"  warning: {p.file}: {p.message}")
    if res.message and res.status == RunStatus.DUPLICATE:
        print(res.message)


def cmd_load(args: argparse.Namespace) -> int:
    engine = _engine(args.database_url)
    try:
        res = load_extract(
            Path(args.path),
            as_of=args.as_of,
            engine=engine,
            allow_older=args.allow_older,
            accept_shrink=args.accept_shrink,
            accept_future=args.accept_future,
        )
    except EtlBusy as exc:
        print(f"not started: {exc}", file=sys.stderr)
        return EXIT_BUSY
    _print_result(res)
    if res.status == RunStatus.REFUSED:
        print("The extract was refused; the store keeps the last good load:", file=sys.stderr)
        for p in res.deciding:
            print(f"  [{p.rule}] {p.file}: {p.message}", file=sys.stderr)
        return EXIT_REFUSED
    if res.status == RunStatus.FAILED:
        print(f"The run failed and was rolled back: {res.message}", file=sys.stderr)
        return EXIT_FAILED
    if res.forced:
        print(f"Forced: {res.message}")
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
    forced = " (forced)" if run["_forced"] else ""
    print(
        f"Run {run['run_id']}: {run['status']}{forced} (extract date {run['extract_date'] or '-'})"
    )
    print(f"  started {run['_started_at']}, finished {run['_finished_at'] or '-'}")
    if run["status"] == RunStatus.RUNNING and lock_is_free(engine):
        print("  no process holds the run lock: the load stopped; the next load marks it aborted")
    if run["_message"]:
        print(f"  {run['_message']}")
    if run["status"] != RunStatus.LOADED:
        good = last_loaded(engine)
        shown = f"run {good.run_id} (extract date {good.extract_date})" if good else "no load yet"
        print(f"  the store shows the last good load: {shown}")
    if run["rows_loaded"]:
        print("\n".join(_table(run["rows_loaded"], run["rows_rejected"])))
    if run["findings"]:
        print(f"{sum(f['count'] for f in run['findings'])} findings in the data shown:")
        for f in run["findings"]:
            print(f"  {f['count']:>6}  {f['kind']}: {f['code']}")
    problems = run["problems"]
    if problems:
        print(f"{len(problems)} problems:")
        for p in problems[:50]:
            where = f"{p['file']}" + (f" line {p['line']}" if p["line"] is not None else "")
            print(f"  [{p['rule']}] {where}: {p['message']}")
        if len(problems) > 50:
            print(f"  ... and {len(problems) - 50} more (use --json for all)")
    return EXIT_OK


def cmd_scheduler(args: argparse.Namespace) -> int:
    from jobs import scheduler

    logging.getLogger().setLevel(logging.INFO)
    return scheduler.run(args.database_url, once=args.once)


def cmd_prune(args: argparse.Namespace) -> int:
    engine = _engine(args.database_url)
    try:
        deleted = prune(engine, args.keep)
    except EtlBusy as exc:
        print(f"not started: {exc}", file=sys.stderr)
        return EXIT_BUSY
    print(
        f"Purged {deleted['problems']} problems, {deleted['rejected_rows']} rejected rows "
        f"and {deleted.get('findings', 0)} findings of older runs"
    )
    return EXIT_OK


def _demo() -> Any:
    """The demo generator (imported only when a demo is asked for)."""
    import demo

    return demo


class _DemoScales:
    """The demo generator's scale names for `--scale`, read from it only when used."""

    def __contains__(self, name: object) -> bool:
        return name in _demo().SCALES

    def __iter__(self) -> Iterator[str]:
        return iter(_demo().SCALES)


def cmd_demo(args: argparse.Namespace) -> int:
    out = _demo().write_demo_extract(
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
        ALLOW_OLDER,
        action="store_true",
        help="load an extract dated before the last loaded one (KPI figures dated after it "
        "are removed)",
    )
    p.add_argument(
        ACCEPT_SHRINK,
        action="store_true",
        help="load it although a required file is empty or has far fewer rows than in the last "
        "load, or too many of a file's rows are rejected (LOAD_MIN_ROWS_SHARE, "
        "LOAD_MAX_REJECTED_SHARE); the run is recorded as forced",
    )
    p.add_argument(
        ACCEPT_FUTURE,
        action="store_true",
        help="load it although its extract date is more than a day after today; the run is "
        "recorded as forced",
    )
    p.add_argument("--database-url", default=None, help="store URL (default: DATABASE_URL)")
    p.set_defaults(func=cmd_load)

    p = sub.add_parser(
        "prune",
        help="purge the problems and rejected rows of old runs (also done after every load)",
    )
    p.add_argument(
        "--keep",
        type=_runs,
        default=None,
        help="runs to keep them for (default: RETENTION_RUNS); the current load's are kept",
    )
    p.add_argument("--database-url", default=None, help="store URL (default: DATABASE_URL)")
    p.set_defaults(func=cmd_prune)

    p = sub.add_parser("status", help="show the last run")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--database-url", default=None, help="store URL (default: DATABASE_URL)")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser(
        "scheduler",
        help="the nightly run: load the newest extract of DROP_DIR at SCHEDULE_TIME "
        "(Europe/Copenhagen), in this process",
    )
    p.add_argument("--once", action="store_true", help="run the nightly job now and exit")
    p.add_argument("--database-url", default=None, help="store URL (default: DATABASE_URL)")
    p.set_defaults(func=cmd_scheduler)

    p = sub.add_parser("demo", help="write a synthetic demo extract")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--scale", choices=_DemoScales(), default="kbh")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--as-of", type=_date, default=None, help="extract date (YYYY-MM-DD)")
    p.add_argument("--errors", type=float, default=0.0, help="share of broken rows (0-1)")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        return int(args.func(args))
    try:
        return int(args.func(args))
    except settings.SettingError as exc:  # a bad setting: its name and why, no traceback
        print(f"etl {args.command}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except (DBAPIError, OSError) as exc:  # the store cannot be used: one line, no traceback
        print(f"etl {args.command}: {_store_problem(args, exc)}", file=sys.stderr)
        return EXIT_FAILED


def _store_problem(args: argparse.Namespace, exc: BaseException) -> str:
    """Why the store cannot be used, in one line (no SQL, no traceback)."""
    try:
        where = f" {db.store_label(getattr(args, 'database_url', None))}"
    except Exception:  # the URL itself is the problem
        where = ""
    reason = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    first_line = (str(reason).strip().splitlines() or [type(reason).__name__])[0]
    return f"cannot use the store{where}: {first_line}"
