"""A small store for the page-query tests: seven obligations, KPI members and
results, complaints, reviews, runs and problems that agree with each other.

The current load is run 2 (extract date `AS_OF`); a later refused run changes
nothing. Obligations (relative to AS_OF):

    O1 BFCK/T1/E1   overdue   due -10 (10 days over)
    O2 HCK/H1/E2    overdue   due -3  (3 days over)
    O3 BFCK/T1/E1   open      due +5  handleplan
    O4 BFCK/T1/-    open      due +20 unassigned
    O5 BFCK/T1/E1   met       due -30
    O6 HCK/H1/E2    late      due -30
    O7 HCK/H2/E3    open      due +60 letter, rule text with LIKE wildcards
"""

from __future__ import annotations

import datetime as dt
import json

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
from store.scope import Scope
from vocab import ALL_CENTERS, UNASSIGNED, Kind, Level, ResultKind, RunStatus, Status

AS_OF = dt.date(2026, 11, 21)
ALL = Scope.everything()


def obligation(i: int | str, **kw: object) -> dict[str, object]:
    """One obligation row (a follow-up of BFCK/T1/E1, open, due at AS_OF) with changes."""
    row: dict[str, object] = {
        "obligation_id": f"O{i}",
        "as_of": AS_OF,
        "kind": Kind.FOLLOW_UP,
        "case_id": f"S{i}",
        "target_group": "born",
        "center": "BFCK",
        "team": "T1",
        "caseworker_id": "E1",
        "cpr_masked": "010203-XXXX",
        "due_on": AS_OF,
        "done_on": None,
        "status": Status.OPEN,
        "days_overdue": 0,
        "rule_id": "r",
        "law": "BL",
        "paragraph": "BL95",
        "rule_text": "Opfølgning (BL § 95)",
    }
    row.update(kw)
    return row


def days(n: int) -> dt.date:
    return AS_OF + dt.timedelta(days=n)


OBLIGATIONS = [
    obligation(1, status=Status.OVERDUE, due_on=days(-10), days_overdue=10),
    obligation(
        2,
        status=Status.OVERDUE,
        due_on=days(-3),
        days_overdue=3,
        center="HCK",
        team="H1",
        caseworker_id="E2",
    ),
    obligation(3, status=Status.OPEN, due_on=days(5), kind=Kind.HANDLEPLAN),
    obligation(4, status=Status.OPEN, due_on=days(20), caseworker_id=UNASSIGNED),
    obligation(5, status=Status.MET, due_on=days(-30), done_on=days(-31)),
    obligation(
        6,
        status=Status.LATE,
        due_on=days(-30),
        done_on=days(-2),
        center="HCK",
        team="H1",
        caseworker_id="E2",
    ),
    obligation(
        7,
        status=Status.OPEN,
        due_on=days(60),
        kind=Kind.LETTER,
        center="HCK",
        team="H2",
        caseworker_id="E3",
        rule_text="Brev 100%_x",
    ),
]


def members() -> pd.DataFrame:
    rows = [
        ("K3", "S1", "BFCK", "T1", "E1", False, "O1"),
        ("K3", "S5", "BFCK", "T1", "E1", True, "O5"),
        ("K3", "S3", "BFCK", "T1", "E1", True, "O3"),
        ("K3", "S2", "HCK", "H1", "E2", False, "O2"),
        ("K3", "S9", "HCK", "H1", "E2", True, None),  # no deciding obligation
        ("K1", "S3", "BFCK", "T1", "E1", True, "O3"),
    ]
    df = pd.DataFrame(
        rows, columns=["kpi", "case_id", "center", "team", "caseworker_id", "met", "obligation_id"]
    )
    df["unit_id"] = df["case_id"]
    df["as_of"] = AS_OF
    old = df.iloc[:2].assign(as_of=days(-1))  # an older snapshot: ignored
    return pd.concat([df, old], ignore_index=True)


def result(
    as_of: dt.date, kind: str, kpi: str, level: str, center: str, team: str, num: int, den: int
) -> dict[str, object]:
    return {
        "as_of": as_of,
        "kind": kind,
        "kpi": kpi,
        "level": level,
        "center": center,
        "team": team,
        "caseworker_id": "",
        "numerator": num,
        "denominator": den,
        "value": num / den if den else None,
        "target": 0.95,
    }


SNAP, RECOMPUTED, FORECAST = ResultKind.SNAPSHOT, ResultKind.RECOMPUTED, ResultKind.FORECAST
RESULTS = [
    result(AS_OF, SNAP, "K3", Level.CENTER, "BFCK", "", 2, 3),
    result(AS_OF, SNAP, "K3", Level.CENTER, "HCK", "", 1, 2),
    result(AS_OF, SNAP, "K1", Level.CENTER, "BFCK", "", 1, 1),
    result(AS_OF, SNAP, "K1", Level.CENTER, "HCK", "", 0, 0),
    result(AS_OF, SNAP, "K3", Level.ALL, ALL_CENTERS, "", 3, 5),
    result(AS_OF, SNAP, "K3", Level.TEAM, "BFCK", "T1", 2, 3),
    result(AS_OF, SNAP, "K3", Level.TEAM, "HCK", "H1", 1, 2),
    result(dt.date(2026, 10, 31), SNAP, "K3", Level.CENTER, "BFCK", "", 1, 2),
    result(dt.date(2026, 10, 31), RECOMPUTED, "K3", Level.CENTER, "BFCK", "", 1, 4),
    result(dt.date(2026, 10, 15), RECOMPUTED, "K3", Level.CENTER, "HCK", "", 1, 1),
    result(dt.date(2026, 12, 31), FORECAST, "K3", Level.CENTER, "BFCK", "", 1, 3),
    {
        **result(AS_OF, SNAP, "K3", Level.CASEWORKER, "HCK", "H1", 1, 2),
        "caseworker_id": "E2",
    },
]


def run(
    run_id: int,
    status: str,
    extract_date: dt.date | None,
    started: dt.datetime,
    minutes: int,
    outcome: dict[str, object],
) -> dict[str, object]:
    """One `etl_runs` row (JSON columns serialised: bulk_insert passes them through)."""
    return {
        "run_id": run_id,
        "started_at": started,
        "finished_at": started + dt.timedelta(minutes=minutes),
        "status": status,
        "source_path": f"/runs/{run_id}",
        "extract_date": extract_date,
        "file_hashes": "{}",
        "rows_loaded": "{}",
        "rows_rejected": "{}",
        "outcome": json.dumps(outcome),
    }


LOADED_OUTCOME = {"code": "loaded", "rows_rejected": 0, "problems": 3, "errors": 2}
REFUSED_OUTCOME = {"code": "refused", "rules": ["missing-file"]}
RUNS = [
    run(1, RunStatus.LOADED, days(-2), dt.datetime(2026, 11, 20, 2, 0), 4, LOADED_OUTCOME),
    run(2, RunStatus.LOADED, AS_OF, dt.datetime(2026, 11, 22, 2, 0), 5, LOADED_OUTCOME),
    run(3, RunStatus.REFUSED, None, dt.datetime(2026, 11, 22, 3, 0), 1, REFUSED_OUTCOME),
]


def _problem(line: int, column: str, value: str, rule: str, severity: str) -> dict[str, object]:
    file = "klager.csv" if rule == "enum" else "sager.csv"
    return {
        "run_id": 2,
        "file": file,
        "line": line,
        "column": column,
        "value": value,
        "rule": rule,
        "message": "Ugyldigt CPR" if rule == "cpr-invalid" else "Ukendt udfald",
        "severity": severity,
    }


PROBLEMS = [
    _problem(3, "cpr", "010203-XXXX", "cpr-invalid", "error"),
    _problem(9, "cpr", "020304-XXXX", "cpr-invalid", "error"),
    _problem(2, "udfald", "x", "enum", "warning"),
]


def employee(employee_id: str, name: str, center: str, team: str) -> dict[str, object]:
    return {
        "employee_id": employee_id,
        "name": name,
        "center": center,
        "team": team,
        "active": True,
    }


def complaint(
    complaint_id: str,
    case_id: str,
    paragraph: str | None,
    complaint_type: str,
    received_on: dt.date,
    outcome: str,
    decided_on: dt.date | None,
) -> dict[str, object]:
    return {
        "complaint_id": complaint_id,
        "case_id": case_id,
        "paragraph": paragraph,
        "complaint_type": complaint_type,
        "received_on": received_on,
        "outcome": outcome,
        "decided_on": decided_on,
    }


def fill_query_store(engine: Engine) -> Engine:
    """Write the rows above into an empty, migrated store."""
    with engine.begin() as conn:
        bulk_insert(
            conn,
            Employee,
            pd.DataFrame(
                [employee("E1", "Anna Berg", "BFCK", "T1"), employee("E2", "Bo Dahl", "HCK", "H1")]
            ),
        )
        bulk_insert(
            conn,
            Case,
            pd.DataFrame(
                [
                    {
                        "case_id": f"S{i}",
                        "cpr": "0102031234",
                        "target_group": "born",
                        "center": "HCK" if i in (2, 6, 7) else "BFCK",
                        "team": "T1",
                        "caseworker_id": "E1",
                        "opened_on": dt.date(2025, 1, 1),
                        "acute": False,
                    }
                    for i in range(1, 10)
                ]
            ),
        )
        bulk_insert(conn, Obligation, pd.DataFrame(OBLIGATIONS))
        bulk_insert(conn, KpiMember, members())
        bulk_insert(conn, KpiResult, pd.DataFrame(RESULTS))
        complaints = [
            complaint(
                "K1",
                "S1",
                "BL32",
                "realitet",
                dt.date(2026, 10, 3),
                "medhold",
                dt.date(2026, 11, 1),
            ),
            complaint("K2", "S1", "BL32", "realitet", dt.date(2026, 10, 20), "afvist", None),
            complaint("K3", "S2", None, "formalitet", dt.date(2026, 11, 2), "delvist", None),
        ]
        bulk_insert(conn, Complaint, pd.DataFrame(complaints))
        reviews = [
            {"case_id": "S1", "campaign": "C", "reviewed_on": dt.date(2026, 3, 1)},
            {"case_id": "S3", "campaign": "C", "reviewed_on": dt.date(2026, 3, 1)},
            {"case_id": "S4", "campaign": "C", "reviewed_on": dt.date(2026, 5, 1)},
            {"case_id": "S5", "campaign": "C", "reviewed_on": None},
        ]
        bulk_insert(conn, Review, pd.DataFrame(reviews))
        bulk_insert(conn, EtlRun, pd.DataFrame(RUNS))
        bulk_insert(conn, Problem, pd.DataFrame(PROBLEMS))
    return engine


def ids(df: pd.DataFrame) -> list[str]:
    """The sorted obligation ids of a list frame."""
    return sorted(df["obligation_id"].dropna().tolist())
