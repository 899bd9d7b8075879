"""Command line: `python -m monitoring kpis|obligations|backfill|findings|forecast` (the store).

    python -m monitoring kpis --as-of 2013-06-30 [--json]
    python -m monitoring obligations --as-of 2013-06-30 [--center BFCK] [--caseworker sb1]
                                     [--status overdue|due-soon|open|met] [--json]
    python -m monitoring backfill --months 36 [--as-of DATE]
    python -m monitoring findings --as-of 2013-06-30 [--json]
    python -m monitoring forecast [--as-of DATE] [--json]

`forecast` prints the forecast the latest load stored (or, with --as-of, computes one
from the store's current data at that date), in the issue's JSON shape.

The store is the DATABASE_URL setting (or --database-url). `monitoring/__main__.py`
calls `main`: the pure monitoring package itself never imports the store.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any

import pandas as pd

from jobs import refresh
from monitoring import KPIS, due_soon, evaluate, forecast, load_rules
from store import results
from store.db import get_engine, read_current_data, transaction
from store.runs import EtlBusy, current_as_of, run_lock
from vocab import Kind, Level, ResultKind, Status

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
    ev = evaluate(_load(args.database_url), args.as_of, rules)
    ob = ev.obligations
    if args.kpi:
        # the obligations behind the KPI's members (each member's deciding obligation)
        behind = ev.members.loc[ev.members["kpi"] == args.kpi, "obligation_id"]
        ob = ob[ob["obligation_id"].isin(set(behind.dropna().astype(str)))]
    if args.kind:
        ob = ob[ob["kind"] == args.kind]
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


def cmd_findings(args: argparse.Namespace) -> int:
    """The data-quality findings at a date: one row per kind and code with its count."""
    findings = evaluate(_load(args.database_url), args.as_of, load_rules()).findings
    rows = [
        {"kind": str(k), "code": str(c), "count": int(n)}
        for k, c, n in zip(findings["kind"], findings["code"], findings["count"], strict=True)
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    print(f"Fund pr. {args.as_of.isoformat()}")
    for row in rows:
        print(f"{row['count']:>6}  {row['kind']}: {row['code']}")
    print(f"{len(rows)} slags fund")
    return 0


def _forecast_rows(f: pd.DataFrame) -> list[dict[str, Any]]:
    """Forecast rows (levels all and center) in the command's JSON shape."""
    f = f[f["level"].isin([Level.ALL, Level.CENTER])].sort_values(["as_of", "kpi", "center"])
    return [
        {
            "kpi": str(k),
            "center": str(c),
            "month_end": pd.Timestamp(m).date().isoformat(),
            "numerator": int(n),
            "denominator": int(d),
            "value": None if pd.isna(v) else round(float(v), 6),
            "target": float(t),
            "needed": None if pd.isna(x) else int(x),
            "reachable": not pd.isna(x),
        }
        for k, c, m, n, d, v, t, x in zip(
            f["kpi"],
            f["center"],
            f["as_of"],
            f["numerator"],
            f["denominator"],
            f["value"],
            f["target"],
            f["needed"],
            strict=True,
        )
    ]


def cmd_forecast(args: argparse.Namespace) -> int:
    """The forecast at the next 3 month-ends, per KPI for each center and ALL: the one
    the latest load stored, or computed from the store's data at --as-of."""
    engine = get_engine(args.database_url)
    if args.as_of is None:
        as_of = current_as_of(engine)
        f = results.read_results(engine, kind=ResultKind.FORECAST)
        if as_of is None or f.empty:
            print(
                "No stored forecast: the store has no load yet (run `python -m etl load`), "
                "or give --as-of to compute one.",
                file=sys.stderr,
            )
            return 1
    else:
        as_of = args.as_of
        f = forecast(read_current_data(engine), as_of, load_rules(), months=3)
    rows = _forecast_rows(f)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    print(f"Prognose fra {as_of.isoformat()} (hvis intet mere gøres)")
    for row in rows:
        value = "ingen" if row["value"] is None else f"{row['value']:.1%}"
        needed = "kan ikke nås" if not row["reachable"] else f"{row['needed']} mangler"
        print(
            f"{row['month_end']} {row['kpi']:<5} {row['center']:<8} "
            f"{row['numerator']:>6}/{row['denominator']:<6} {value:>8}  {needed}"
        )
    return 0


def cmd_backfill(args: argparse.Namespace) -> int:
    """Recompute the month-end history, holding the run lock (never beside a load); the
    web's cached results are keyed by the history's stamp, so they are read afresh."""
    engine = get_engine(args.database_url)
    try:
        with run_lock(engine):
            data = read_current_data(engine)
            as_of = args.as_of or current_as_of(engine) or refresh.data_as_of(data)
            with transaction(engine) as conn:
                n = refresh.backfill(conn, data, args.months, as_of=as_of)
    except EtlBusy as exc:
        print(f"not started: {exc}", file=sys.stderr)
        return 3
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
        "--status",
        choices=[
            str(s)
            for s in (
                Status.OVERDUE,
                DUE_SOON,
                Status.OPEN,
                Status.MET,
                Status.LATE,
                Status.MISSED,
            )
        ],
    )
    o.add_argument("--kind", choices=[str(k) for k in Kind])
    o.add_argument("--kpi", choices=list(KPIS))
    o.add_argument("--json", action="store_true")
    o.set_defaults(func=cmd_obligations)
    b = sub.add_parser("backfill", help="recompute the month-end KPI history")
    b.add_argument("--months", type=int, default=36)
    b.add_argument("--as-of", type=_date, default=None)
    b.set_defaults(func=cmd_backfill)
    fi = sub.add_parser("findings", help="data-quality findings (kind, code, count)")
    fi.add_argument("--as-of", type=_date, required=True)
    fi.add_argument("--json", action="store_true")
    fi.set_defaults(func=cmd_findings)
    fc = sub.add_parser("forecast", help="the KPIs at the next 3 month-ends")
    fc.add_argument("--as-of", type=_date, default=None)
    fc.add_argument("--json", action="store_true")
    fc.set_defaults(func=cmd_forecast)
    args = p.parse_args(argv)
    return int(args.func(args))
