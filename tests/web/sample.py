"""A small, deterministic store for the web tests and benchmarks (vectorised, numpy).

`fill_store(engine, n_obligations)` writes employees, cases, obligations,
kpi_members, kpi_results (snapshot + recomputed month-ends + forecast),
etl_runs, problems, complaints and reviews that agree with each other:
every KPI snapshot is computed from the kpi_members rows it describes.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from store.db import bulk_insert
from store.models import (
    Case,
    Complaint,
    Employee,
    EtlRun,
    KpiMember,
    KpiResult,
    Obligation,
    Problem,
    Review,
)
from vocab import NO_TEAM, UNASSIGNED

AS_OF = dt.date(2026, 11, 21)
CENTERS = ("BFCK", "HCK", "SCK")
TEAMS_PER_CENTER = 2
WORKERS_PER_TEAM = 3
KINDS = ("handleplan", "follow-up", "investigation", "processing", "letter", "shelter-plan")
KPIS = ("K1", "K3", "K4a", "K7b", "K8")
RULE_TEXT = {
    "handleplan": "Handleplan senest 3 måneder efter afgørelsen (BL § 91)",
    "follow-up": "Opfølgning senest 6 måneder efter seneste opfølgning (BL § 95)",
    "investigation": "Børnefaglig undersøgelse afsluttet inden 4 måneder (BL § 20, stk. 3)",
    "processing": "Afgørelse inden den offentliggjorte sagsbehandlingsfrist (RSL § 3, stk. 2)",
    "letter": "Underretningsbrev inden sagsbehandlingsfristen udløber (RSL § 3, stk. 2)",
    "shelter-plan": "Handleplan tilbudt efter 1 måneds ophold (SEL § 141)",
}


RUN_OUTCOME = {"code": "loaded", "rows_rejected": 2, "problems": 3, "errors": 3}

OBLIGATIONS_PER_WORKER = 150  # a caseworker holds ~40 cases, ~150 obligations


def employees(n_obligations: int = 0) -> pd.DataFrame:
    """Caseworkers: 2 teams x 3 per center for small stores, realistic counts for big ones."""
    workers = max(n_obligations // OBLIGATIONS_PER_WORKER, len(CENTERS) * TEAMS_PER_CENTER * 3)
    per_team = max(WORKERS_PER_TEAM, 10)
    teams = max(TEAMS_PER_CENTER, workers // (len(CENTERS) * per_team))
    per_team = WORKERS_PER_TEAM if teams == TEAMS_PER_CENTER else per_team
    rows = []
    for c in CENTERS:
        for t in range(1, teams + 1):
            for w in range(1, per_team + 1):
                rows.append(
                    {
                        "employee_id": f"{c}-T{t}-W{w}",
                        "name": f"Sagsbehandler {c} {t}.{w}",
                        "email": None,
                        "center": c,
                        "team": f"{c} Team {t}",
                        "active": True,
                    }
                )
    return pd.DataFrame(rows)


def build(n_obligations: int, seed: int = 7, as_of: dt.date = AS_OF) -> dict[type, pd.DataFrame]:
    """All frames of the sample store, keyed by model."""
    rng = np.random.default_rng(seed)
    emp = employees(n_obligations)
    n_cases = max(n_obligations // 3, 10)
    w_idx = rng.integers(0, len(emp), n_cases)
    case_ids = pd.Series([f"S{i:07d}" for i in range(n_cases)], dtype="string")
    unassigned = rng.random(n_cases) < 0.03
    worker = emp["employee_id"].to_numpy()[w_idx].astype(object)
    worker[unassigned] = UNASSIGNED
    team = emp["team"].to_numpy()[w_idx].astype(object)
    team[unassigned] = NO_TEAM  # as the engine writes a case without caseworker or team
    days = rng.integers(1, 28, n_cases)
    months = rng.integers(1, 12, n_cases)
    cpr = [
        f"{d:02d}{m:02d}{y:02d}-{s:04d}"
        for d, m, y, s in zip(
            days, months, rng.integers(0, 99, n_cases), rng.integers(0, 9999, n_cases), strict=True
        )
    ]
    cases = pd.DataFrame(
        {
            "case_id": case_ids,
            "cpr": cpr,
            "target_group": np.where(rng.random(n_cases) < 0.6, "born", "voksen"),
            "center": emp["center"].to_numpy()[w_idx],
            "team": team,
            "caseworker_id": worker,
            "opened_on": pd.Timestamp(as_of)
            - pd.to_timedelta(rng.integers(30, 2000, n_cases), "D"),
            "closed_on": pd.NaT,
            "acute": False,
        }
    )
    # obligations
    oc = rng.integers(0, n_cases, n_obligations)
    kind = rng.choice(np.array(KINDS), n_obligations, p=[0.2, 0.35, 0.15, 0.15, 0.1, 0.05])
    due = pd.Timestamp(as_of) + pd.to_timedelta(rng.integers(-240, 240, n_obligations), "D")
    done_off = rng.integers(-30, 20, n_obligations)
    is_done = (rng.random(n_obligations) < 0.55) & (
        due <= pd.Timestamp(as_of) + pd.Timedelta(days=10)
    )
    done = pd.Series(due + pd.to_timedelta(done_off, "D")).where(is_done)
    done = done.where(done <= pd.Timestamp(as_of))
    is_done = done.notna().to_numpy()
    past = due < pd.Timestamp(as_of)
    status = np.where(
        is_done,
        np.where(done.to_numpy() <= due.to_numpy(), "met", "late"),
        np.where(past, "overdue", "open"),
    )
    overdue_days = np.where(status == "overdue", (pd.Timestamp(as_of) - due).days, 0)
    c = cases.iloc[oc].reset_index(drop=True)
    cw = c["caseworker_id"].astype(str)
    obligations = pd.DataFrame(
        {
            "obligation_id": [f"O{i:08d}" for i in range(n_obligations)],
            "as_of": pd.Timestamp(as_of),
            "kind": kind,
            "case_id": c["case_id"],
            "source_id": None,
            "target_group": c["target_group"],
            "center": c["center"],
            "team": c["team"],
            "caseworker_id": cw,
            "cpr_masked": c["cpr"].str.slice(0, 7) + "XXXX",
            "due_on": due,
            "done_on": done,
            "status": status,
            "days_overdue": overdue_days.astype("int64"),
            "rule_id": kind,
            "law": "BL",
            "paragraph": "BL91",
            "rule_text": pd.Series(kind).map(RULE_TEXT),
            "anchor_on": due - pd.Timedelta(days=90),
            "anchor_label": "iværksættelse",
        }
    )
    # KPI members: one unit per case per KPI, decided by the case's first obligation
    first = obligations.drop_duplicates("case_id")
    members = []
    for k in KPIS:
        m = first.sample(frac=0.8, random_state=seed + KPIS.index(k))
        members.append(
            pd.DataFrame(
                {
                    "as_of": pd.Timestamp(as_of),
                    "kpi": k,
                    "unit_id": m["case_id"],
                    "case_id": m["case_id"],
                    "center": m["center"],
                    "team": m["team"],
                    "caseworker_id": m["caseworker_id"],
                    "met": m["status"].isin(["met", "open"]).to_numpy(),
                    "obligation_id": m["obligation_id"],
                }
            )
        )
    kpi_members = pd.concat(members, ignore_index=True)
    results = [_results(kpi_members, pd.Timestamp(as_of), "snapshot")]
    # history: recomputed month-ends, a little lower each month back
    for back in range(1, 13):
        day = (pd.Timestamp(as_of).to_period("M") - back).to_timestamp(how="end").normalize()
        hist = _results(kpi_members, day, "recomputed")
        hist["value"] = (hist["value"] - 0.01 * back).clip(0, 1)
        hist["numerator"] = (hist["value"] * hist["denominator"]).round().astype("int64")
        results.append(hist)
    for ahead in range(1, 3):
        day = (pd.Timestamp(as_of).to_period("M") + ahead - 1).to_timestamp(how="end").normalize()
        fc = _results(kpi_members, day, "forecast")
        fc["value"] = (fc["value"] - 0.02 * ahead).clip(0, 1)
        results.append(fc)
    kpi_results = pd.concat(results, ignore_index=True)
    kpi_results["run_id"] = 1
    finished = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(2, 5))
    runs = pd.DataFrame(
        {
            "run_id": [1],
            "started_at": [finished - dt.timedelta(minutes=3)],
            "finished_at": [finished],
            "status": ["loaded"],
            "source_path": ["/data/udtraek/2026-11-21"],
            "source_system": ["SOSY"],
            "extract_date": [pd.Timestamp(as_of)],
            "content_hash": ["abc"],
            # bulk_insert does not adapt JSON columns: pass them serialised
            "file_hashes": ["{}"],
            "rows_loaded": [json.dumps({"sager.csv": n_cases})],
            "rows_rejected": [json.dumps({"sager.csv": 2})],
            "outcome": [json.dumps(RUN_OUTCOME)],  # the page's text, in Danish
            "message": ["2 rows rejected; 3 problems (3 errors)"],  # the command line's
        }
    )
    problems = pd.DataFrame(
        {
            "run_id": 1,
            "file": ["sager.csv", "sager.csv", "foranstaltninger.csv"],
            "line": [12, 40, 7],
            "column": ["cpr", "cpr", "start"],
            "value": ["010203-XXXX", "311299-XXXX", "2026-13-01"],
            "rule": ["cpr-format", "cpr-format", "date-format"],
            # the ETL's own wording; the page names the rule in Danish from its code
            "message": [
                "cpr is not a CPR number of the form DDMMYY-SSSS",
                "cpr is not a CPR number of the form DDMMYY-SSSS",
                "start is not a valid date (YYYY-MM-DD): '2026-13-01'",
            ],
            "severity": "error",
        }
    )
    nc = max(n_cases // 10, 6)
    cc = rng.integers(0, n_cases, nc)
    complaints = pd.DataFrame(
        {
            "complaint_id": [f"K{i:06d}" for i in range(nc)],
            "case_id": case_ids.iloc[cc].to_numpy(),
            "paragraph": rng.choice(np.array(["BL32", "BL46", "SEL85"]), nc),
            "complaint_type": rng.choice(np.array(["realitet", "formalitet"]), nc),
            "received_on": pd.Timestamp(as_of) - pd.to_timedelta(rng.integers(0, 330, nc), "D"),
            "decided_on": pd.NaT,
            "outcome": rng.choice(np.array(["medhold", "delvist", "afvist", "hjemvist"]), nc),
        }
    )
    nr = min(n_cases, 60)
    reviewed = pd.Series(
        pd.Timestamp(as_of) - pd.to_timedelta(rng.integers(1, 200, nr), "D")
    ).where(rng.random(nr) < 0.7)
    reviews = pd.DataFrame(
        {
            "case_id": case_ids.iloc[:nr].to_numpy(),
            "campaign": "SEL41-42-genopretning",
            "reviewed_on": reviewed,
        }
    )
    return {
        Employee: emp,
        Case: cases,
        Obligation: obligations,
        KpiMember: kpi_members,
        KpiResult: kpi_results,
        EtlRun: runs,
        Problem: problems,
        Complaint: complaints,
        Review: reviews,
    }


def _results(members: pd.DataFrame, day: pd.Timestamp, kind: str) -> pd.DataFrame:
    """KPI results at every level from member rows."""
    frames = []
    levels = {
        "all": [],
        "center": ["center"],
        "team": ["center", "team"],
        "caseworker": ["center", "team", "caseworker_id"],
    }
    for level, keys in levels.items():
        g = (
            members.assign(n=1)
            .groupby(["kpi", *keys], as_index=False)
            .agg(numerator=("met", "sum"), denominator=("n", "sum"))
        )
        g["level"] = level
        for col in ("center", "team", "caseworker_id"):
            if col not in keys:
                g[col] = "ALL" if (col == "center") else ""
        frames.append(g)
    out = pd.concat(frames, ignore_index=True)
    out["numerator"] = out["numerator"].astype("int64")
    out["value"] = out["numerator"] / out["denominator"]
    out["target"] = 0.95
    out["as_of"] = day
    out["kind"] = kind
    out["needed"] = None
    return out


def fill_store(engine: Engine, n_obligations: int = 600, seed: int = 7) -> dict[type, pd.DataFrame]:
    """Write the sample store; returns the frames written."""
    frames = build(n_obligations, seed)
    with engine.begin() as conn:
        for model, df in frames.items():
            bulk_insert(conn, model, df)
    return frames
