"""jobs.refresh: refresh_monitoring and backfill round trip on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Engine, func, select

from jobs.refresh import backfill, refresh_monitoring
from monitoring import evaluate, load_rules
from store.db import read_current_data, replace_current_data
from store.models import KpiResult
from store.results import has_history, read_members, read_obligations, read_results
from tests.monitoring.rows import make_data

AS_OF = dt.date(2013, 6, 30)


def _data() -> dict[str, pd.DataFrame]:
    return make_data(
        cases=[
            {"case_id": "c1"},
            {"case_id": "c2", "center": "HCK", "caseworker_id": None, "team": None},
            {"case_id": "a1", "target_group": "voksen", "center": "SCK"},
        ],
        measures=[
            {
                "measure_id": "m1",
                "case_id": "c1",
                "paragraph": "SEL52.3.7",
                "start_on": "2013-01-15",
            },
            {
                "measure_id": "m2",
                "case_id": "c2",
                "paragraph": "SEL52.3.3",
                "start_on": "2012-10-31",
            },
            {"measure_id": "s1", "case_id": "a1", "paragraph": "SEL110", "start_on": "2013-03-01"},
        ],
        action_plans=[{"plan_id": "p1", "case_id": "c1", "made_on": "2013-01-10"}],
        follow_ups=[
            {"follow_up_id": "f1", "case_id": "c2", "measure_id": None, "done_on": "2013-01-20"}
        ],
        investigations=[{"investigation_id": "u1", "case_id": "c2", "start_on": "2013-01-02"}],
        applications=[
            {
                "application_id": "ap1",
                "case_id": "a1",
                "benefit": "SEL42",
                "received_on": "2013-05-01",
                "decided_on": "2013-06-10",
            }
        ],
    )


def _store(db_engine: Engine) -> dict[str, pd.DataFrame]:
    data = _data()
    data["employees"] = pd.DataFrame(
        {
            "employee_id": pd.array(["sb1"], dtype="string"),
            "name": pd.array(["Sagsbehandler Et"], dtype="string"),
            "email": pd.array([None], dtype="string"),
            "center": pd.array(["BFCK"], dtype="string"),
            "team": pd.array(["Team A"], dtype="string"),
            "active": [True],
        }
    )
    with db_engine.begin() as conn:
        replace_current_data(conn, data)
    return read_current_data(db_engine)


def test_refresh_round_trip(db_engine: Engine) -> None:
    data = _store(db_engine)
    assert not has_history(db_engine)
    with db_engine.begin() as conn:
        refresh_monitoring(conn, data, AS_OF, run_id=7)
    ev = evaluate(data, AS_OF, load_rules())

    ob = read_obligations(db_engine).sort_values("obligation_id").reset_index(drop=True)
    want = ev.obligations.sort_values("obligation_id").reset_index(drop=True)
    assert ob["obligation_id"].tolist() == want["obligation_id"].tolist()
    assert ob["status"].tolist() == want["status"].tolist()
    assert ob["due_on"].tolist() == want["due_on"].tolist()
    assert ob["days_overdue"].tolist() == want["days_overdue"].tolist()
    assert ob["rule_text"].tolist() == want["rule_text"].tolist()
    assert (
        (ob["caseworker_id"] == "ufordelt").sum() == (want["caseworker_id"] == "ufordelt").sum() > 0
    )

    # the stored members are exactly the evaluated ones, row by row
    cols = ["kpi", "unit_id", "case_id", "center", "team", "caseworker_id", "met", "obligation_id"]
    key = ["kpi", "unit_id"]
    stored = read_members(db_engine)[cols].sort_values(key).reset_index(drop=True)
    evaluated = ev.members[cols].sort_values(key).reset_index(drop=True)
    assert len(stored) > 0
    pd.testing.assert_frame_equal(stored, evaluated, check_dtype=False)

    snap = read_results(db_engine, kind="snapshot")
    assert set(snap["run_id"]) == {7} and len(snap) == len(ev.results)
    k4b = snap[(snap["kpi"] == "K4b") & (snap["level"] == "all")].iloc[0]
    assert k4b["denominator"] == 0 and pd.isna(k4b["value"])  # 0/0 stored as NULL
    k4a = snap[(snap["kpi"] == "K4a") & (snap["level"] == "all")].iloc[0]
    assert (k4a["numerator"], k4a["denominator"]) == (0, 1)

    fc = read_results(db_engine, kind="forecast")
    assert sorted(fc["as_of"].dt.date.unique()) == [
        dt.date(2013, 7, 31),
        dt.date(2013, 8, 31),
        dt.date(2013, 9, 30),
    ]
    known = fc["needed"].dropna()  # NA: the target cannot be reached by that month-end
    assert len(known) > 0 and (known >= 0).all()

    # the history is kept per center and for the whole administration (the trend charts)
    assert set(read_results(db_engine, kind="recomputed")["level"]) == {"all", "center"}
    hist = read_results(db_engine, kind="recomputed", level="all")
    assert hist["as_of"].nunique() == 36
    assert hist["as_of"].max().date() == AS_OF
    last = hist[hist["as_of"] == pd.Timestamp(AS_OF)].set_index("kpi")
    assert last.loc["K4a", "denominator"] == 1
    assert has_history(db_engine)


def test_refresh_twice_replaces_and_keeps_history(db_engine: Engine) -> None:
    data = _store(db_engine)
    with db_engine.begin() as conn:
        refresh_monitoring(conn, data, AS_OF, run_id=1)
    with db_engine.connect() as conn:
        n_hist = conn.execute(
            select(func.count()).select_from(KpiResult).where(KpiResult.kind == "recomputed")
        ).scalar_one()
    with db_engine.begin() as conn:
        refresh_monitoring(conn, data, AS_OF, run_id=2)  # same date again: replaced
        refresh_monitoring(conn, data, dt.date(2013, 7, 1), run_id=3)  # next night
    snap = read_results(db_engine, kind="snapshot", level="all")
    assert sorted(snap.groupby("as_of")["run_id"].first().tolist()) == [2, 3]
    per_date = snap.groupby("as_of")["kpi"].apply(lambda k: sorted(k))
    assert len(per_date) == 2 and per_date.iloc[0] == per_date.iloc[1]  # every KPI, once a date
    assert len(per_date.iloc[0]) == snap["kpi"].nunique() >= 9
    assert len(read_results(db_engine, kind="recomputed")) == n_hist  # computed once
    fc = read_results(db_engine, kind="forecast")
    assert set(fc["run_id"]) == {3}
    ob = read_obligations(db_engine)
    assert set(ob["as_of"].dt.date) == {dt.date(2013, 7, 1)}


def test_backfill(db_engine: Engine) -> None:
    data = _store(db_engine)
    with db_engine.begin() as conn:
        n = backfill(conn, data, 3, as_of=AS_OF)
    hist = read_results(db_engine, kind="recomputed")
    assert n == len(hist) > 0
    assert sorted(hist["as_of"].dt.date.unique()) == [
        dt.date(2013, 4, 30),
        dt.date(2013, 5, 31),
        dt.date(2013, 6, 30),
    ]
    with db_engine.begin() as conn:
        backfill(conn, data, 2, as_of=AS_OF)  # replaces
    assert read_results(db_engine, kind="recomputed")["as_of"].nunique() == 2
