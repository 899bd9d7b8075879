"""store.runs: run records, the run lock and retention on SQLite and PostgreSQL, and
migrations 0003 (run outcomes) and 0004 (forced runs)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, insert, select, text

from store import runs
from store.db import ROOT, drop_all, get_engine, transaction
from store.models import EtlRun, RejectedRow
from store.models import Problem as ProblemRow
from vocab import RunStatus


def _problems(*rows: tuple[str, str | None, str | None, str]) -> pd.DataFrame:
    """Problem rows (column, value, message, severity) in sager.csv."""
    return pd.DataFrame(
        [
            {
                "file": "sager.csv",
                "line": i + 2,
                "column": column,
                "value": value,
                "rule": "cpr-date" if column == "cpr" else "required",
                "message": message,
                "severity": severity,
            }
            for i, (column, value, message, severity) in enumerate(rows)
        ]
    )


def test_a_run_from_start_to_finish(db_engine: Engine) -> None:
    assert runs.last_run(db_engine) is None and runs.last_loaded(db_engine) is None
    with runs.run_lock(db_engine) as lock:
        run_id = runs.start_run(lock, "/extracts/x")
        with (
            pytest.raises(runs.EtlBusy, match=f"already running: run {run_id}, started "),
            runs.run_lock(db_engine),
        ):
            pass
    with transaction(db_engine) as conn:
        runs.write_problems(
            conn,
            run_id,
            _problems(
                ("cpr", "3102031234", "the date part of cpr is not a real date", "error"),
                ("team", None, "team 010190-1234 missing", "warning"),
            ),
        )
        runs.finish_run(
            conn,
            run_id,
            RunStatus.LOADED,
            {"code": RunStatus.LOADED, "rows_rejected": 1, "problems": 2, "errors": 1},
            "1 rows rejected; 2 problems (1 errors) for 010190-1234",
            extract_date=dt.date(2024, 6, 30),
            content_hash="abc",
            rows_loaded={"sager.csv": 2},
            rows_rejected={"sager.csv": 1},
        )
    assert runs.last_loaded(db_engine) == (
        run_id,
        "abc",
        dt.date(2024, 6, 30),
        {"sager.csv": 3},  # rows read: loaded + rejected
    )
    assert runs.current_as_of(db_engine) == dt.date(2024, 6, 30)
    last = runs.last_run(db_engine)
    assert last is not None
    assert {k: v for k, v in last.items() if not k.startswith("_")} == {
        "run_id": run_id,
        "status": "loaded",
        "extract_date": "2024-06-30",
        "rows_loaded": {"sager.csv": 2},
        "rows_rejected": {"sager.csv": 1},
        "problems": [
            {
                "file": "sager.csv",
                "line": 2,
                "column": "cpr",
                "value": "310203-XXXX",  # masked on the way out, whatever was stored
                "rule": "cpr-date",
                "message": "the date part of cpr is not a real date",
            },
            {
                "file": "sager.csv",
                "line": 3,
                "column": "team",
                "value": None,
                "rule": "required",
                "message": "team 010190-XXXX missing",
            },
        ],
        "findings": [],  # none stored for this run
    }
    assert last["_outcome"] == {"code": "loaded", "rows_rejected": 1, "problems": 2, "errors": 1}
    assert last["_message"] == "1 rows rejected; 2 problems (1 errors) for 010190-XXXX"
    with db_engine.connect() as c:
        stored = c.execute(select(EtlRun.message, EtlRun.file_hashes)).one()
        severities = c.execute(select(ProblemRow.severity).order_by(ProblemRow.problem_id))
        assert list(severities.scalars()) == ["error", "warning"]
    assert stored.message == "1 rows rejected; 2 problems (1 errors) for 010190-XXXX"
    assert stored.file_hashes == {}  # not given: left as started
    # a new run may start now, holding the lock; without it, none
    with runs.run_lock(db_engine) as lock:
        assert runs.start_run(lock, "/extracts/y") == run_id + 1
    with pytest.raises(RuntimeError, match="run lock"):
        runs.start_run(lock, "/extracts/z")


def test_start_run_marks_runs_left_running_aborted(db_engine: Engine) -> None:
    with runs.run_lock(db_engine) as lock:
        first = runs.start_run(lock, "/extracts/x")
    # its process died: the run stays running, but nobody holds the lock
    assert runs.running_run(db_engine) is not None and runs.lock_is_free(db_engine)
    with runs.run_lock(db_engine) as lock:
        assert not runs.lock_is_free(db_engine)
        second = runs.start_run(lock, "/extracts/y")
    with db_engine.connect() as c:
        rows = c.execute(
            select(EtlRun.run_id, EtlRun.status, EtlRun.outcome, EtlRun.forced).order_by(
                EtlRun.run_id
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        (first, "aborted", {"code": "aborted"}, False),
        (second, "running", None, False),
    ]


def _finished_run(engine: Engine, status: RunStatus, n_problems: int, n_rejected: int) -> int:
    with runs.run_lock(engine) as lock:
        run_id = runs.start_run(lock, "/extracts/x")
    with transaction(engine) as conn:
        runs.write_problems(conn, run_id, _problems(*[("team", None, "m", "warning")] * n_problems))
        runs.write_rejected_rows(
            conn,
            run_id,
            pd.DataFrame(
                {"file": "sager.csv", "line": range(2, 2 + n_rejected), "reasons": "x", "raw": "{}"}
            ),
        )
        runs.finish_run(conn, run_id, status, {"code": status})
    return run_id


def _kept(engine: Engine) -> tuple[list[int], list[int]]:
    with engine.connect() as c:
        problems = c.execute(select(ProblemRow.run_id).distinct().order_by(ProblemRow.run_id))
        rejected = c.execute(select(RejectedRow.run_id).distinct().order_by(RejectedRow.run_id))
        return list(problems.scalars()), list(rejected.scalars())


def test_purge_keeps_the_newest_runs_and_the_current_load(db_engine: Engine) -> None:
    loaded = _finished_run(db_engine, RunStatus.LOADED, 2, 2)
    refused = [_finished_run(db_engine, RunStatus.REFUSED, 1, 0) for _ in range(3)]
    with transaction(db_engine) as conn:
        deleted = runs.purge_old_runs(conn, keep_runs=2)
    assert deleted == {"problems": 1, "rejected_rows": 0, "findings": 0}  # the first refused run's
    assert _kept(db_engine) == ([loaded, *refused[1:]], [loaded])  # the current load stays
    newer = _finished_run(db_engine, RunStatus.LOADED, 1, 1)
    with transaction(db_engine) as conn:
        assert runs.purge_old_runs(conn, keep_runs=1) == {
            "problems": 4,
            "rejected_rows": 2,
            "findings": 0,
        }
    assert _kept(db_engine) == ([newer], [newer])
    with transaction(db_engine) as conn:  # nothing more to purge; never the current load
        assert runs.purge_old_runs(conn, keep_runs=1) == {
            "problems": 0,
            "rejected_rows": 0,
            "findings": 0,
        }


# ------------------------------------------------------------------ migration 0003
def _migrate(engine: Engine, revision: str) -> None:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def test_migration_0003_gives_earlier_runs_their_outcome(db_url: str) -> None:
    engine = get_engine(db_url)
    drop_all(engine)
    _migrate(engine, "0002")
    started = dt.datetime(2024, 7, 1, 2, 0)
    messages = [
        ("loaded", "1.234 rows rejected; 5 problems (3 errors)"),  # not the ETL's: unknown
        ("loaded", "12 rows rejected; 30 problems (20 errors)"),
        ("duplicate", "same extract as run 2: nothing loaded"),
        ("refused", "sager.csv: required file is missing"),
        ("failed", "stale: still running after 6:00:00; marked failed"),
        ("failed", "OperationalError: database is locked"),
        ("running", None),
    ]
    with engine.begin() as c:
        for status, message in messages:
            c.execute(
                text(
                    "INSERT INTO etl_runs (started_at, status, source_path, file_hashes, "
                    "rows_loaded, rows_rejected, message) "
                    "VALUES (:started, :status, 'x', '{}', '{}', '{}', :message)"
                ),
                {"started": started, "status": status, "message": message},
            )
        c.execute(
            insert(ProblemRow.__table__),
            [
                {
                    "run_id": 4,
                    "file": "x",
                    "rule": "unknown-column",
                    "severity": "warning",
                    "message": "m",
                },
                {
                    "run_id": 4,
                    "file": "sager.csv",
                    "rule": "missing-file",
                    "severity": "error",
                    "message": "m",
                },
            ],
        )
    _migrate(engine, "head")
    with engine.connect() as c:
        outcomes = list(c.execute(select(EtlRun.outcome).order_by(EtlRun.run_id)).scalars())
    assert outcomes == [
        None,
        {"code": "loaded", "rows_rejected": 12, "problems": 30, "errors": 20},
        {"code": "duplicate", "same_as_run": 2},
        {"code": "refused", "rules": ["missing-file"]},
        {"code": "stale", "hours": 6},
        {"code": "failed", "error": "OperationalError"},
        None,
    ]


def test_migration_0004_records_earlier_runs_as_not_forced(db_url: str) -> None:
    engine = get_engine(db_url)
    drop_all(engine)
    _migrate(engine, "0003")
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO etl_runs (started_at, status, source_path, file_hashes, "
                "rows_loaded, rows_rejected) VALUES (:started, 'loaded', 'x', '{}', '{}', '{}')"
            ),
            {"started": dt.datetime(2024, 7, 1, 2, 0)},
        )
    _migrate(engine, "head")
    with engine.connect() as c:
        assert c.execute(select(EtlRun.forced)).scalar_one() is False
