"""store.results: plain writes and reads of monitoring results on SQLite and PostgreSQL.

The frames are built by hand: the store stores what it is given (what is
computed, and when, is tested in tests/jobs/test_refresh.py).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Engine

from store.results import (
    has_history,
    read_members,
    read_obligations,
    read_results,
    write_history,
    write_obligations,
    write_snapshot,
)
from vocab import Kind, Level, ResultKind, Status

AS_OF = dt.date(2013, 6, 30)


def _results(dates: list[dt.date], kind: ResultKind, numerator: int = 1) -> pd.DataFrame:
    """One KPI (K1) for the whole administration at each date: 1 of 2 met, or 0/0 (NULL)."""
    return pd.DataFrame(
        {
            "as_of": pd.to_datetime(dates),
            "kind": str(kind),
            "kpi": "K1",
            "level": str(Level.ALL),
            "center": "ALL",
            "team": "",
            "caseworker_id": "",
            "numerator": numerator,
            "denominator": [2] * (len(dates) - 1) + [0] if dates else [],
            "value": [numerator / 2] * (len(dates) - 1) + [float("nan")] if dates else [],
            "target": 0.95,
            "needed": None,
        }
    )


def _members(as_of: dt.date, units: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "as_of": pd.Timestamp(as_of),
            "kpi": "K1",
            "unit_id": units,
            "case_id": units,
            "center": "BFCK",
            "team": "Team A",
            "caseworker_id": "sb1",
            "met": [i % 2 == 0 for i in range(len(units))],
            "obligation_id": [f"{u}:handleplan" for u in units],
        }
    )


def _obligations(as_of: dt.date, ids: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "obligation_id": ids,
            "as_of": pd.Timestamp(as_of),
            "kind": str(Kind.HANDLEPLAN),
            "case_id": ids,
            "source_id": None,
            "target_group": "born",
            "center": "BFCK",
            "team": "Team A",
            "caseworker_id": "sb1",
            "cpr_masked": "010190-XXXX",
            "due_on": pd.Timestamp(as_of) - pd.Timedelta(days=3),
            "done_on": pd.NaT,
            "status": str(Status.OVERDUE),
            "days_overdue": 3,
            "rule_id": "SEL140-handleplan",
            "law": "SEL",
            "paragraph": "SEL140",
            "rule_text": "Handleplan inden for 4 måneder",
        }
    )


def test_write_snapshot_replaces_its_date_and_the_forecast(db_engine: Engine) -> None:
    later = dt.date(2013, 7, 1)
    with db_engine.begin() as conn:
        write_snapshot(
            conn,
            _members(AS_OF, ["c1", "c2"]),
            _results([AS_OF], ResultKind.SNAPSHOT),
            _results([dt.date(2013, 7, 31)], ResultKind.FORECAST),
            AS_OF,
            run_id=1,
        )
        write_snapshot(
            conn,
            _members(later, ["c1", "c2", "c3"]),
            _results([later], ResultKind.SNAPSHOT),
            _results([dt.date(2013, 8, 31)], ResultKind.FORECAST),
            later,
            run_id=2,
        )
        write_snapshot(  # the same date again: replaced
            conn,
            _members(later, ["c1"]),
            _results([later], ResultKind.SNAPSHOT, numerator=0),
            _results([dt.date(2013, 8, 31)], ResultKind.FORECAST),
            later,
            run_id=3,
        )
    snap = read_results(db_engine, kind=ResultKind.SNAPSHOT)
    assert snap[["as_of", "run_id"]].values.tolist() == [
        [pd.Timestamp(AS_OF), 1],
        [pd.Timestamp(later), 3],
    ]
    assert pd.isna(snap["value"]).all()  # 0/0 stored as NULL
    fc = read_results(db_engine, kind=ResultKind.FORECAST)
    assert fc[["as_of", "run_id"]].values.tolist() == [[pd.Timestamp(2013, 8, 31), 3]]
    members = read_members(db_engine)
    assert members["unit_id"].tolist() == ["c1"]
    assert set(members["as_of"].dt.date) == {later}


def test_an_older_snapshot_removes_the_figures_dated_after_it(db_engine: Engine) -> None:
    older, newer = dt.date(2013, 5, 15), AS_OF
    months = [dt.date(2013, 4, 30), dt.date(2013, 5, 31), dt.date(2013, 6, 30)]
    with db_engine.begin() as conn:
        write_history(conn, _results(months, ResultKind.RECOMPUTED), run_id=1)
        write_snapshot(
            conn,
            _members(newer, ["c1"]),
            _results([newer], ResultKind.SNAPSHOT),
            _results([], ResultKind.FORECAST),
            newer,
            run_id=1,
        )
        write_snapshot(
            conn,
            _members(older, ["c1"]),
            _results([older], ResultKind.SNAPSHOT),
            _results([], ResultKind.FORECAST),
            older,
            run_id=2,
        )
    assert set(read_results(db_engine, kind=ResultKind.SNAPSHOT)["as_of"].dt.date) == {older}
    hist = read_results(db_engine, kind=ResultKind.RECOMPUTED)
    assert sorted(hist["as_of"].dt.date) == [dt.date(2013, 4, 30)]


def test_write_history_replaces_it(db_engine: Engine) -> None:
    assert not has_history(db_engine)
    months = [dt.date(2013, 4, 30), dt.date(2013, 5, 31), dt.date(2013, 6, 30)]
    with db_engine.begin() as conn:
        assert write_history(conn, _results(months, ResultKind.RECOMPUTED), run_id=None) == 3
        assert has_history(conn)
        write_history(conn, _results(months[1:], ResultKind.RECOMPUTED), run_id=4)
    hist = read_results(db_engine, kind=ResultKind.RECOMPUTED, level=Level.ALL)
    assert sorted(hist["as_of"].dt.date) == months[1:]
    assert set(hist["run_id"]) == {4}
    assert has_history(db_engine)
    one = read_results(db_engine, as_of=months[1])
    assert len(one) == 1 and one["numerator"].tolist() == [1]


def test_write_obligations_replaces_them(db_engine: Engine) -> None:
    with db_engine.begin() as conn:
        assert write_obligations(conn, _obligations(AS_OF, ["o1", "o2"])) == 2
    with db_engine.begin() as conn:
        write_obligations(conn, _obligations(AS_OF, ["o3"]))
    ob = read_obligations(db_engine)
    assert ob["obligation_id"].tolist() == ["o3"]
    row = ob.iloc[0]
    assert (row["status"], row["kind"], row["days_overdue"]) == ("overdue", "handleplan", 3)
    assert row["due_on"] == pd.Timestamp(2013, 6, 27) and pd.isna(row["done_on"])
