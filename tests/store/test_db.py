"""store.db: round trips, atomic replacement and readers during a load, on both backends."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select

from store.db import (
    database_url,
    get_engine,
    read_current_data,
    read_table,
    replace_current_data,
)
from store.models import Case, Employee


def _cases(ids: list[str]) -> pd.DataFrame:
    n = len(ids)
    return pd.DataFrame(
        {
            "case_id": ids,
            "cpr": ["010203-9001"] * n,
            "target_group": ["born"] * n,
            "center": ["BFCK"] * n,
            "team": [None] * n,
            "caseworker_id": ["007"] * n,
            "opened_on": pd.to_datetime(["2024-02-29"] * n),
            "closed_on": pd.to_datetime([None] * n),
            "acute": [True] * n,
        }
    )


def _count(engine: Engine) -> int:
    with engine.connect() as c:
        return c.execute(select(func.count()).select_from(Case)).scalar_one()


def test_round_trip_keeps_types_and_leading_zeros(db_engine: Engine) -> None:
    emp = pd.DataFrame(
        {
            "employee_id": ["007"],
            "name": ["Ane Fiktivsen"],
            "email": [None],
            "center": ["BFCK"],
            "team": ["BFCK Nord"],
            "active": [False],
        }
    )
    with db_engine.begin() as conn:
        counts = replace_current_data(conn, {"employees": emp, "cases": _cases(["0001", "0002"])})
    assert counts["employees"] == 1 and counts["cases"] == 2 and counts["measures"] == 0
    data = read_current_data(db_engine)
    cases = data["cases"]
    assert sorted(cases["case_id"].tolist()) == ["0001", "0002"]
    assert cases["opened_on"].iloc[0] == pd.Timestamp("2024-02-29")
    assert cases["closed_on"].isna().all()
    assert cases["acute"].dtype == bool and cases["acute"].all()
    assert read_table(db_engine, Employee)["active"].tolist() == [False]
    assert read_table(db_engine, Employee)["email"].isna().all()


def test_replace_is_atomic_and_rolls_back(db_engine: Engine) -> None:
    with db_engine.begin() as conn:
        replace_current_data(conn, {"cases": _cases(["A", "B", "C"])})
    with pytest.raises(RuntimeError), db_engine.begin() as conn:
        replace_current_data(conn, {"cases": _cases(["X"])})
        raise RuntimeError("load failed half-way")
    assert _count(db_engine) == 3


def test_readers_see_previous_load_while_a_load_is_open(db_engine: Engine) -> None:
    with db_engine.begin() as conn:
        replace_current_data(conn, {"cases": _cases(["A", "B"])})
    reader = db_engine  # another pooled connection, as the web app would use
    with db_engine.connect() as writer:
        tx = writer.begin()
        replace_current_data(writer, {"cases": _cases(["N1", "N2", "N3", "N4"])})
        # A separate connection (the web app) still sees the last committed load.
        with reader.connect() as r:
            assert r.execute(select(func.count()).select_from(Case)).scalar_one() == 2
        tx.commit()
    assert _count(db_engine) == 4


def test_sqlite_runs_in_wal_mode(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = get_engine(f"sqlite:///{tmp_path / 'w.sqlite'}")
    with engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_plain_postgres_url_uses_psycopg3() -> None:
    assert database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
