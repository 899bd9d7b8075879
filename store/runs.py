"""Run records: the `etl_runs` table and what hangs on it (problems, rejected rows).

A run is started (`start_run`, holding the run lock: one at a time), and
finished once with its status, its outcome as data (`etl_runs.outcome`,
rendered by `vocab.run_outcome_text`) and an English message for the command
line and logs. The run lock (`run_lock`) lives as long as the process holding
it, so a run still `running` when the next one takes the lock was left by a
process that died: `start_run` marks it `aborted`. Problems and rejected rows
are kept for the newest runs only (`purge_old_runs`). Also the one function
that decides which load the store shows: `current_as_of`; every page, query and
command line takes its reference date from it. Reads and writes only: what a
run means is decided by the load job.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, NamedTuple

import pandas as pd
from sqlalchemy import Connection, Engine, delete, func, insert, select, update

import cpr
from store import db
from store.models import EtlRun, Finding, RejectedRow
from store.models import Problem as ProblemRow
from vocab import RunStatus

log = logging.getLogger(__name__)
ABORTED = {"code": RunStatus.ABORTED}  # the outcome of a run whose process died

# The columns of a stored problem, in the order `etl status --json` shows them.
_PROBLEM_FIELDS = ("file", "line", "column", "value", "rule", "message")


class EtlBusy(Exception):
    """Another run is in progress (its process holds the run lock)."""


class LoadedRun(NamedTuple):
    """The newest run that loaded: what a new extract is compared with."""

    run_id: int
    content_hash: str | None
    extract_date: dt.date | None
    rows_read: Mapping[str, int] = {}  # file label -> rows read (loaded + rejected)


def as_date(value: Any) -> dt.date | None:
    """A date read from either store (SQLite may hand back text or a datetime)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _plain(outcome: Mapping[str, Any]) -> dict[str, Any]:
    """An outcome as plain JSON values (enum members as their strings)."""

    def plain(v: Any) -> Any:
        if isinstance(v, str):
            return str(v)
        if isinstance(v, (list, tuple)):
            return [plain(x) for x in v]
        return v

    return {str(k): plain(v) for k, v in outcome.items()}


# ---------------------------------------------------------------------- reads
def current_as_of(conn: Connection | Engine) -> dt.date | None:
    """The extract date of the current load: the newest run that loaded, or None.

    The stored obligations, KPI members, snapshot and forecast all belong to it.
    """
    stmt = (
        select(EtlRun.extract_date)
        .where(EtlRun.status == RunStatus.LOADED, EtlRun.extract_date.is_not(None))
        .order_by(EtlRun.run_id.desc())
        .limit(1)
    )
    if isinstance(conn, Engine):
        with conn.connect() as c:
            return as_date(c.execute(stmt).scalar_one_or_none())
    return as_date(conn.execute(stmt).scalar_one_or_none())


def last_loaded(engine: Engine) -> LoadedRun | None:
    """The newest run that loaded (its id, content hash, extract date and the rows it
    read per file), or None."""
    with engine.connect() as conn:
        row = conn.execute(
            select(
                EtlRun.run_id,
                EtlRun.content_hash,
                EtlRun.extract_date,
                EtlRun.rows_loaded,
                EtlRun.rows_rejected,
            )
            .where(EtlRun.status == RunStatus.LOADED)
            .order_by(EtlRun.run_id.desc())
            .limit(1)
        ).first()
    if row is None:
        return None
    loaded, rejected = dict(row.rows_loaded or {}), dict(row.rows_rejected or {})
    rows_read = {f: int(loaded.get(f, 0)) + int(rejected.get(f, 0)) for f in {*loaded, *rejected}}
    return LoadedRun(int(row.run_id), row.content_hash, as_date(row.extract_date), rows_read)


def running_run(conn: Connection | Engine) -> tuple[int, dt.datetime] | None:
    """The newest run recorded as `running` (its id and start), or None."""
    stmt = (
        select(EtlRun.run_id, EtlRun.started_at)
        .where(EtlRun.status == RunStatus.RUNNING)
        .order_by(EtlRun.run_id.desc())
        .limit(1)
    )
    if isinstance(conn, Engine):
        with conn.connect() as c:
            row = c.execute(stmt).first()
    else:
        row = conn.execute(stmt).first()
    return None if row is None else (int(row.run_id), row.started_at)


def _masked_problems(rows: pd.DataFrame) -> pd.DataFrame:
    """Problem rows with every CPR masked (a cpr column's value: at most its date part)."""
    if rows.empty:
        return rows
    rows = rows.copy()
    value = rows["value"].astype("string")
    in_cpr_column = (rows["column"] == "cpr").fillna(False).to_numpy() & value.notna().to_numpy()
    if in_cpr_column.any():
        value[in_cpr_column] = cpr.mask_value_series(value[in_cpr_column])
    rows["value"] = cpr.mask_text_series(value)
    rows["message"] = cpr.mask_text_series(rows["message"])
    return rows


def last_run(engine: Engine) -> dict[str, Any] | None:
    """The last run as a plain dict (the `etl status --json` shape); problems CPR-masked.

    Keys starting with "_" are not part of the JSON shape (the text summary uses them).
    """
    with engine.connect() as conn:
        run = (
            conn.execute(select(EtlRun.__table__).order_by(EtlRun.run_id.desc()).limit(1))
            .mappings()
            .first()
        )
        if run is None:
            return None
        rows = conn.execute(
            select(*[getattr(ProblemRow, c) for c in _PROBLEM_FIELDS])
            .where(ProblemRow.run_id == run["run_id"])
            .order_by(ProblemRow.problem_id)
        ).all()
        good = conn.execute(
            select(func.max(EtlRun.run_id)).where(EtlRun.status == RunStatus.LOADED)
        ).scalar_one_or_none()
        counts = conn.execute(
            select(Finding.kind, Finding.code, func.count())
            .where(Finding.run_id == good)
            .group_by(Finding.kind, Finding.code)
            .order_by(Finding.kind, Finding.code)
        ).all()
    problems = _masked_problems(pd.DataFrame(rows, columns=list(_PROBLEM_FIELDS)))
    records = problems.astype(object).where(problems.notna(), None).to_dict("records")
    extract_date = as_date(run["extract_date"])
    return {
        "run_id": run["run_id"],
        "status": run["status"],
        "extract_date": extract_date.isoformat() if extract_date else None,
        "rows_loaded": dict(run["rows_loaded"] or {}),
        "rows_rejected": dict(run["rows_rejected"] or {}),
        "problems": [{**p, "line": None if p["line"] is None else int(p["line"])} for p in records],
        # the data-quality findings of the newest good load (the data shown)
        "findings": [{"kind": k, "code": c, "count": int(n)} for k, c, n in counts],
        "_message": cpr.mask_text(run["message"]),
        "_outcome": run["outcome"],
        "_forced": bool(run["forced"]),
        "_started_at": run["started_at"],
        "_finished_at": run["finished_at"],
    }


# ------------------------------------------------------------------ run lock
@contextmanager
def run_lock(engine: Engine) -> Iterator[db.ProcessLock]:
    """Hold the store's run lock for the block; raise `EtlBusy` at once when another
    process holds it (naming its running run, when one is recorded).

    The lock dies with its process (`store.db.ProcessLock`): a load killed by
    `kill -9` or the OOM killer blocks nothing.
    """
    lock = db.process_lock(engine)
    try:
        lock.acquire()
    except db.LockHeld:
        raise EtlBusy(_busy_message(engine)) from None
    try:
        yield lock
    finally:
        lock.release()


def _busy_message(engine: Engine) -> str:
    running = running_run(engine)
    if running is None:
        return "already running: another ETL job holds the run lock (no run recorded yet)"
    run_id, started = running
    return (
        f"already running: run {run_id}, started {started:%Y-%m-%d %H:%M:%S}; "
        "try again when it has finished"
    )


def lock_is_free(engine: Engine) -> bool:
    """Whether no process holds the run lock now (a `running` run then is dead)."""
    return db.process_lock(engine).is_free()


# --------------------------------------------------------------------- writes
def start_run(lock: db.ProcessLock, source: str, now: dt.datetime | None = None) -> int:
    """Record a new running run and return its id; call it holding the run lock.

    Any other run still `running` was left by a process that died (a live one
    would hold the lock): it is marked `aborted` first.
    """
    if not lock.held:
        raise RuntimeError("start_run needs the run lock (store.runs.run_lock)")
    now = now or _now()
    with lock.engine.begin() as conn:
        result = conn.execute(
            insert(EtlRun).values(
                started_at=now,
                status=RunStatus.RUNNING,
                source_path=source[:500],
                file_hashes={},
                rows_loaded={},
                rows_rejected={},
            )
        )
        run_id = int(result.inserted_primary_key[0])
        dead = conn.execute(
            select(EtlRun.run_id, EtlRun.started_at).where(
                EtlRun.status == RunStatus.RUNNING, EtlRun.run_id != run_id
            )
        ).all()
        for dead_id, started in dead:
            log.warning(
                "run %s (started %s) was left running by a process that stopped: marked aborted",
                dead_id,
                started,
            )
        conn.execute(
            update(EtlRun)
            .where(EtlRun.run_id.in_([d.run_id for d in dead]))
            .values(
                status=RunStatus.ABORTED,
                finished_at=now,
                message=f"aborted: the process stopped during the load (found by run {run_id})",
                outcome=_plain(ABORTED),
            )
        )
    return run_id


def finish_run(
    conn: Connection,
    run_id: int,
    status: RunStatus,
    outcome: Mapping[str, Any],
    message: str | None = None,
    *,
    extract_date: dt.date | None = None,
    content_hash: str | None = None,
    file_hashes: Mapping[str, str] | None = None,
    source_system: str | None = None,
    rows_loaded: Mapping[str, int] | None = None,
    rows_rejected: Mapping[str, int] | None = None,
    forced: bool = False,
) -> None:
    """Record a run's end in the caller's transaction: status, outcome (data, one of
    `vocab.RUN_OUTCOMES`), English message (CPR-masked), what was read, and whether
    an operator forced a load the plausibility checks refused."""
    values: dict[str, Any] = {
        "status": status,
        "finished_at": _now(),
        "outcome": _plain(outcome),
        "message": (cpr.mask_text(message) or "")[:2000] if message else None,
        "forced": bool(forced),
    }
    details = {
        "extract_date": extract_date,
        "content_hash": content_hash,
        "file_hashes": dict(file_hashes) if file_hashes is not None else None,
        "source_system": source_system,
        "rows_loaded": dict(rows_loaded) if rows_loaded is not None else None,
        "rows_rejected": dict(rows_rejected) if rows_rejected is not None else None,
    }
    values.update({k: v for k, v in details.items() if v is not None})
    conn.execute(update(EtlRun).where(EtlRun.run_id == run_id).values(**values))


def write_problems(conn: Connection, run_id: int, problems: pd.DataFrame) -> int:
    """Store a run's problems (one row per problem: file, line, column, value, rule,
    message, severity), cut to the column widths. Returns the number written."""
    if problems.empty:
        return 0
    df = problems[[*_PROBLEM_FIELDS, "severity"]].copy()
    df["run_id"] = run_id
    df["file"] = df["file"].astype(str).str[:100]
    df["column"] = df["column"].astype("string").str[:100]
    df["value"] = df["value"].astype("string").str[:500]
    df["message"] = df["message"].astype(str).str[:1000]
    df["severity"] = df["severity"].astype(str)
    df["line"] = df["line"].astype("Int64")
    return db.bulk_insert(conn, ProblemRow, df)


def write_rejected_rows(conn: Connection, run_id: int, rejected_rows: pd.DataFrame) -> int:
    """Store a run's rejected rows (one row per quarantined extract row: file, line,
    reasons, raw values as JSON). Returns the number written."""
    if rejected_rows.empty:
        return 0
    return db.bulk_insert(conn, RejectedRow, rejected_rows.assign(run_id=run_id))


def purge_old_runs(conn: Connection, keep_runs: int) -> dict[str, int]:
    """Delete the problems, rejected rows and findings of all but the newest `keep_runs` runs,
    in the caller's transaction; those of the current load (the newest run that
    loaded) are always kept. Returns the rows deleted per table."""
    keep_runs = max(1, int(keep_runs))
    cutoff = conn.execute(
        select(EtlRun.run_id).order_by(EtlRun.run_id.desc()).offset(keep_runs - 1).limit(1)
    ).scalar_one_or_none()
    if cutoff is None:  # fewer runs than kept
        return {"problems": 0, "rejected_rows": 0, "findings": 0}
    current = conn.execute(
        select(func.max(EtlRun.run_id)).where(EtlRun.status == RunStatus.LOADED)
    ).scalar_one_or_none()
    deleted: dict[str, int] = {}
    for model in (ProblemRow, RejectedRow, Finding):
        old = model.run_id < cutoff
        if current is not None:
            old = old & (model.run_id != current)
        deleted[model.__tablename__] = int(conn.execute(delete(model).where(old)).rowcount or 0)
    return deleted
