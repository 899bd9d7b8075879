"""store.db: round trips, atomic replacement and readers during a load, on both backends."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pandas as pd
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, func, insert, inspect, select
from sqlalchemy.exc import OperationalError

from store.db import (
    bulk_insert,
    database_url,
    get_engine,
    read_current_data,
    read_table,
    rebuild_table,
    replace_current_data,
    transaction,
)
from store.models import Base, Case, Employee, EtlRun, Obligation, RejectedRow


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
    with transaction(db_engine) as writer:  # the ETL's load transaction
        replace_current_data(writer, {"cases": _cases(["N1", "N2", "N3", "N4"])})
        # A separate connection (the web app) still sees the last committed load.
        with db_engine.connect() as r:
            if db_engine.dialect.name == "postgresql":
                r.exec_driver_sql("SET lock_timeout = '2s'")  # fail, never hang
            assert r.execute(select(func.count()).select_from(Case)).scalar_one() == 2
    assert _count(db_engine) == 4


def test_sqlite_runs_in_wal_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SQLITE_BUSY_TIMEOUT_MS", raising=False)
    engine = get_engine(f"sqlite:///{tmp_path / 'w.sqlite'}")
    with engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000  # the default
    engine.dispose()


def test_sqlite_busy_timeout_comes_from_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SQLITE_BUSY_TIMEOUT_MS", "400")
    engine = get_engine(f"sqlite:///{tmp_path / 'busy.sqlite'}")  # a new URL: a new engine
    with engine.begin() as c:
        c.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    with engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA busy_timeout").scalar() == 400
    # and a writer that meets another writer's lock gives up after it, not after 30 s
    with engine.begin() as holder:
        holder.exec_driver_sql("INSERT INTO t VALUES (1)")  # holds the write lock
        started = time.monotonic()
        with pytest.raises(OperationalError, match="locked"), engine.begin() as waiter:
            assert waiter.exec_driver_sql("PRAGMA busy_timeout").scalar() == 400
            waiter.exec_driver_sql("INSERT INTO t VALUES (2)")
        waited = time.monotonic() - started
    assert 0.3 <= waited < 10
    engine.dispose()


def test_plain_postgres_url_uses_psycopg3() -> None:
    assert database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"


# ------------------------------------------------------------------ rebuild_table
def _obligations(ids: list[str]) -> pd.DataFrame:
    n = len(ids)
    return pd.DataFrame(
        {
            "obligation_id": ids,
            "as_of": pd.to_datetime(["2026-11-20"] * n),
            "kind": ["follow-up"] * n,
            "case_id": ["0001"] * n,
            "source_id": [None] * n,
            "target_group": ["born"] * n,
            "center": ["BFCK"] * n,
            "team": ["BFCK Nord"] * n,
            "caseworker_id": ["007"] * n,
            "cpr_masked": ["010203-XXXX"] * n,
            "due_on": pd.to_datetime(["2026-12-01"] * n),
            "done_on": pd.to_datetime([None] * n),
            "status": ["open"] * n,
            "days_overdue": [0] * n,
            "rule_id": ["r"] * n,
            "law": ["BL"] * n,
            "paragraph": [None] * n,
            "rule_text": ["opfølgning"] * n,
        }
    )


def _obligation_ids(engine: Engine) -> list[str]:
    return sorted(read_table(engine, Obligation)["obligation_id"].tolist())


def test_rebuild_table_replaces_rows_and_keeps_the_schema(db_engine: Engine) -> None:
    with db_engine.begin() as conn:
        rebuild_table(conn, Obligation, _obligations(["a", "b"]))
    with db_engine.begin() as conn:
        assert rebuild_table(conn, Obligation, _obligations(["c", "d", "e"])) == 3
    assert _obligation_ids(db_engine) == ["c", "d", "e"]
    insp = inspect(db_engine)
    expected = {ix.name for ix in Obligation.__table__.indexes}
    assert {ix["name"] for ix in insp.get_indexes("obligations")} == expected
    assert insp.get_pk_constraint("obligations")["constrained_columns"] == ["obligation_id"]
    assert "obligations__new" not in insp.get_table_names()
    with db_engine.connect() as conn:  # the migrated schema and the models still agree
        ctx = MigrationContext.configure(conn)
        diff = [d for d in compare_metadata(ctx, Base.metadata) if "obligations" in str(d)]
    assert diff == []
    if db_engine.dialect.name == "postgresql":
        assert insp.get_pk_constraint("obligations")["name"] == "obligations_pkey"


def test_rebuild_table_rolls_back_and_readers_never_see_half_a_table(db_engine: Engine) -> None:
    with db_engine.begin() as conn:
        rebuild_table(conn, Obligation, _obligations(["a", "b"]))
    with pytest.raises(RuntimeError), db_engine.begin() as conn:
        rebuild_table(conn, Obligation, _obligations(["x"]))
        raise RuntimeError("load failed after the rebuild")
    assert _obligation_ids(db_engine) == ["a", "b"]
    with pytest.raises(RuntimeError), transaction(db_engine) as conn:
        rebuild_table(conn, Obligation, _obligations(["y"]))
        raise RuntimeError("load failed before its end")
    assert _obligation_ids(db_engine) == ["a", "b"]
    assert "obligations__new" not in inspect(db_engine).get_table_names()

    def count() -> int:
        with db_engine.connect() as reader:  # another connection, as the web app's
            if db_engine.dialect.name == "postgresql":
                reader.exec_driver_sql("SET lock_timeout = '300ms'")
            return reader.execute(select(func.count()).select_from(Obligation)).scalar_one()

    with transaction(db_engine) as conn:  # the ETL's load transaction
        rebuild_table(conn, Obligation, _obligations(["n1", "n2", "n3"]))
        replace_current_data(conn, {"cases": _cases(["C1"])})
        assert count() == 2  # the last committed rows, on both backends, without waiting
    assert _obligation_ids(db_engine) == ["n1", "n2", "n3"] and _count(db_engine) == 1
    if db_engine.dialect.name == "postgresql":  # outside transaction(): swapped at once
        with db_engine.begin() as conn:
            rebuild_table(conn, Obligation, _obligations(["m1"]))
            with pytest.raises(OperationalError, match="lock timeout"):
                count()  # waits for the commit, never sees a mix
        assert _obligation_ids(db_engine) == ["m1"]


def test_bulk_insert_encodes_json_values(db_engine: Engine) -> None:
    with db_engine.begin() as conn:
        run_id = conn.execute(
            insert(EtlRun).values(
                started_at=dt.datetime(2026, 11, 20, 2, 0),
                status="loaded",
                source_path="x",
                file_hashes={},
                rows_loaded={},
                rows_rejected={},
            )
        ).inserted_primary_key[0]
        rows = pd.DataFrame(
            {
                "run_id": [run_id, run_id],
                "file": ["sager.csv", "sager.csv"],
                "line": [2, 3],
                "reasons": ["R1", "R2"],
                "raw": [{"sagsid": "0001", "cpr": "010203-XXXX"}, '{"sagsid": "0002"}'],
            }
        )
        assert bulk_insert(conn, RejectedRow, rows) == 2
    got = read_table(db_engine, RejectedRow).sort_values("line")
    assert got["raw"].tolist() == [{"sagsid": "0001", "cpr": "010203-XXXX"}, {"sagsid": "0002"}]


def test_the_migrated_schema_matches_the_models(db_engine: Engine) -> None:
    with db_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
