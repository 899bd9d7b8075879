"""Given rows for the monitoring tests: builders for small input frames (the store's
current-data dict), a mixed data set that exercises every KPI, and readers of an
evaluation (obligation rows, members, the all-level result)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from monitoring.inputs import INPUT_SCHEMA

CASE_DEFAULTS: dict[str, Any] = {
    "cpr": "010112-1234",
    "target_group": "born",
    "center": "BFCK",
    "team": "Team A",
    "caseworker_id": "sb1",
    "opened_on": "2012-01-01",
    "closed_on": None,
    "acute": False,
}


def frame(table: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A typed frame like store.db.read_table gives (strings, datetime64[ns], bool)."""
    texts, dates, bools = INPUT_SCHEMA[table]
    cols: dict[str, Any] = {}
    for c in texts:
        cols[c] = pd.array([r.get(c) for r in rows], dtype="string")
    for c in dates:
        cols[c] = pd.to_datetime(pd.Series([r.get(c) for r in rows], dtype=object)).astype(
            "datetime64[ns]"
        )
    for c in bools:
        cols[c] = pd.Series([bool(r.get(c, False)) for r in rows], dtype=bool)
    return pd.DataFrame(cols)


def make_data(**tables: list[dict[str, Any]]) -> dict[str, pd.DataFrame]:
    """Current-data dict from row dicts; cases get defaults for unspecified columns."""
    out = {}
    for name in INPUT_SCHEMA:
        rows = tables.get(name, [])
        if name == "cases":
            rows = [{**CASE_DEFAULTS, **r} for r in rows]
        out[name] = frame(name, rows)
    out["employees"] = pd.DataFrame(
        {"employee_id": pd.array(["sb1"], dtype="string"), "center": ["BFCK"]}
    )
    return out


C1 = {"case_id": "c1"}
ADULT = {"case_id": "a1", "target_group": "voksen", "center": "SCK", "team": "Herberg"}


def ob_rows(
    ev: Any, cols: tuple[str, ...] = ("due_on", "done_on", "status", "days_overdue")
) -> dict[str, tuple[Any, ...]]:
    """obligation_id -> selected columns, dates as ISO text (None when missing)."""
    out: dict[str, tuple[Any, ...]] = {}
    for rec in ev.obligations.to_dict("records"):
        vals = []
        for c in cols:
            v = rec[c]
            if isinstance(v, pd.Timestamp):
                v = v.date().isoformat()
            elif v is pd.NaT or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
                v = None
            vals.append(v)
        out[rec["obligation_id"]] = tuple(vals)
    return out


def members(ev: Any, kpi: str) -> dict[str, bool]:
    """unit_id -> met of one KPI's members."""
    m = ev.members[ev.members["kpi"] == kpi]
    return dict(zip(m["unit_id"], m["met"].astype(bool), strict=True))


def all_level(ev: Any, kpi: str) -> tuple[int, int, float | None]:
    """(numerator, denominator, value) of a KPI for the whole administration."""
    r = ev.results[(ev.results["level"] == "all") & (ev.results["kpi"] == kpi)].iloc[0]
    v = None if pd.isna(r["value"]) else float(r["value"])
    return int(r["numerator"]), int(r["denominator"]), v


def mixed() -> dict[str, pd.DataFrame]:
    """Children and adults over two centers, with and without team or caseworker: every
    KPI has members at 2024-06-30."""
    cases = [
        {
            "case_id": f"b{i}",
            "center": ["BFCK", "HCK"][i % 2],
            "team": ["T1", "T2", None][i % 3],
            "caseworker_id": [None, "sb1", "sb2", "sb3"][i % 4],
            "acute": i % 5 == 0,
        }
        for i in range(12)
    ] + [{**ADULT, "case_id": f"v{i}", "caseworker_id": ["sb7", None][i % 2]} for i in range(6)]
    measures = [
        {
            "measure_id": f"m{i}",
            "case_id": f"b{i % 12}",
            "paragraph": ["SEL52.3.7", "BL46.1", "BL32.1.3"][i % 3],
            "decided_on": ["2023-10-01", "2024-01-01", "2024-03-01"][i % 3],
            "start_on": ["2023-10-05", "2024-01-20", "2024-03-10"][i % 3],
        }
        for i in range(20)
    ] + [
        {
            "measure_id": f"s{i}",
            "case_id": f"v{i}",
            "paragraph": ["SEL110", "SEL85"][i % 2],
            "start_on": "2024-01-05",
        }
        for i in range(6)
    ]
    follow_ups = [
        {
            "follow_up_id": f"f{i}",
            "case_id": f"b{i % 12}",
            "measure_id": [None, f"m{i % 20}"][i % 2],
            "done_on": ["2024-02-01", "2024-04-15", "2024-06-01"][i % 3],
            "next_due_on": [None, "2024-08-01"][i % 2],
        }
        for i in range(15)
    ]
    plans = [
        {"plan_id": f"p{i}", "case_id": f"b{i}", "made_on": "2024-02-15"} for i in range(0, 12, 2)
    ]
    plans += [{"plan_id": "pv", "case_id": "v0", "offered_on": "2024-01-20", "declined": True}]
    inv = [
        {
            "investigation_id": f"u{i}",
            "case_id": f"b{i}",
            "start_on": ["2024-01-02", "2023-11-15"][i % 2],
            "completed_on": [None, "2024-04-01", "2024-02-10"][i % 3],
        }
        for i in range(8)
    ]
    apps = [
        {
            "application_id": f"a{i}",
            "case_id": f"v{i % 6}",
            "benefit": ["SEL42", "SEL110", "X"][i % 3],
            "received_on": "2024-03-01",
            "decided_on": [None, "2024-03-05", "2024-06-01"][i % 3],
            "letter_sent_on": [None, "2024-03-04"][i % 2],
        }
        for i in range(9)
    ]
    return make_data(
        cases=cases,
        measures=measures,
        follow_ups=follow_ups,
        action_plans=plans,
        investigations=inv,
        applications=apps,
    )
