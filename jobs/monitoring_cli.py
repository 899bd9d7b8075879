"""Command line: `python -m monitoring kpis|obligations|backfill` against the loaded store.

    python -m monitoring kpis --as-of 2013-06-30 [--json]
    python -m monitoring obligations --as-of 2013-06-30 [--center BFCK] [--caseworker sb1]
                                     [--status overdue|due-soon|open|met] [--json]
    python -m monitoring backfill --months 36 [--as-of DATE]

The store is the DATABASE_URL setting (or --database-url). `monitoring/__main__.py`
calls `main`: the pure monitoring package itself never imports the store.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any

import pandas as pd

from jobs import refresh
from monitoring import due_soon, evaluate, load_rules
from store.db import get_engine, read_current_data, transaction
from store.runs import current_as_of
from vocab import Level, Status

DUE_SOON = "due-soon"  # not a status: open and due within the rules' due-soon window


def _date(s: str) -> dt.date:
    try:
        return dt.date.fromisoformat(s)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {s!r}") from exc


def _load(url: str | None) -> dict[str, pd.DataFrame]:
    """The current data of the store (one frame per table)."""
    return read_current_data(get_engine(url))


def _fmt_date(v: Any) -> str | None:
    return None if pd.isna(v) else pd.Timestamp(v).date().isoformat()


def cmd_kpis(args: argparse.Namespace) -> int:
    rules = load_rules()
    ev = evaluate(_load(args.database_url), args.as_of, rules)
    r = ev.results[ev.results["level"].isin([Level.ALL, Level.CENTER])]
    rows = [
        {
            "kpi": str(k),
            "center": str(c),
            "numerator": int(n),
            "denominator": int(d),
            "value": None if pd.isna(v) else round(float(v), 6),
            "target": float(t),
        }
        for k, c, n, d, v, t in zip(
            r["kpi"],
            r["center"],
            r["numerator"],
            r["denominator"],
            r["value"],
            r["target"],
            strict=True,
        )
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    print(f"KPI'er pr. {args.as_of.isoformat()}")
    print(f"{'KPI':<5} {'center':<8} {'tæller':>8} {'nævner':>8} {'værdi':>8} {'mål':>6}  navn")
    for row in rows:
        value = "ingen" if row["value"] is None else f"{row['value']:.1%}"
        label = rules.kpi_labels[row["kpi"]].label
        print(
            f"{row['kpi']:<5} {row['center']:<8} {row['numerator']:>8} {row['denominator']:>8} "
            f"{value:>8} {row['target']:>6.0%}  {label}"
        )
    return 0


def cmd_obligations(args: argparse.Namespace) -> int:
    rules = load_rules()
    ob = evaluate(_load(args.database_url), args.as_of, rules).obligations
    if args.center:
        ob = ob[ob["center"] == args.center]
    if args.caseworker:
        ob = ob[ob["caseworker_id"] == args.caseworker]
    if args.status == DUE_SOON:
        ob = ob[due_soon(ob, args.as_of, rules)]
    elif args.status:
        ob = ob[ob["status"] == args.status]
    ob = ob.sort_values(["due_on", "case_id", "obligation_id"])
    cols = [
        "case_id",
        "cpr_masked",
        "caseworker_id",
        "team",
        "center",
        "kind",
        "due_on",
        "done_on",
        "status",
        "days_overdue",
        "law",
        "paragraph",
        "rule_id",
        "rule_text",
    ]
    if args.json:
        out = []
        for rec in ob[cols].astype(object).to_dict("records"):
            rec["due_on"] = _fmt_date(rec["due_on"])
            rec["done_on"] = _fmt_date(rec["done_on"])
            rec["days_overdue"] = int(rec["days_overdue"])
            out.append({k: (None if v is pd.NA else v) for k, v in rec.items()})
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return 0
    view = ob[cols[:-1]].copy()
    view["due_on"] = view["due_on"].dt.strftime("%Y-%m-%d")
    view["done_on"] = view["done_on"].dt.strftime("%Y-%m-%d").fillna("")
    with pd.option_context("display.max_rows", None, "display.width", 250):
        print(view.to_string(index=False))
    print(f"{len(view)} forpligtelser")
    return 0


def cmd_backfill(args: argparse.Namespace) -> int:
    engine = get_engine(args.database_url)
    data = read_current_data(engine)
    as_of = args.as_of or current_as_of(engine) or refresh.data_as_of(data)
    with transaction(engine) as conn:
        n = refresh.backfill(conn, data, args.months, as_of=as_of)
    print(f"{n} KPI-resultater genberegnet for {args.months} månedsskift til og med {as_of}")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m monitoring", description=__doc__.splitlines()[0])
    p.add_argument("--database-url", default=None, help="store URL (default: DATABASE_URL)")
    sub = p.add_subparsers(dest="cmd", required=True)
    k = sub.add_parser("kpis", help="every KPI per center and for the whole administration")
    k.add_argument("--as-of", type=_date, required=True)
    k.add_argument("--json", action="store_true")
    k.set_defaults(func=cmd_kpis)
    o = sub.add_parser("obligations", help="the obligations (deadline list) at a date")
    o.add_argument("--as-of", type=_date, required=True)
    o.add_argument("--center")
    o.add_argument("--caseworker")
    o.add_argument(
        "--status", choices=[str(s) for s in (Status.OVERDUE, DUE_SOON, Status.OPEN, Status.MET)]
    )
    o.add_argument("--json", action="store_true")
    o.set_defaults(func=cmd_obligations)
    b = sub.add_parser("backfill", help="recompute the month-end KPI history")
    b.add_argument("--months", type=int, default=36)
    b.add_argument("--as-of", type=_date, default=None)
    b.set_defaults(func=cmd_backfill)
    args = p.parse_args(argv)
    return int(args.func(args))
