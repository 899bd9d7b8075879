"""Layer 4, the pipeline: one run = read, stage, validate, load, in one transaction.

`load_extract` records every attempt in `etl_runs` (running -> loaded |
refused | duplicate | failed). The load itself is one transaction: all
current-data tables are replaced, problems and rejected rows written, the
monitoring results refreshed and the run marked loaded, or nothing changes
and readers keep seeing the previous good load. Only one run may be running
at a time (a run older than `STALE_AFTER` is considered dead and marked
failed).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
from sqlalchemy import Engine, insert, select, text, update

from etl import contract
from etl.problems import (
    ERROR,
    PROBLEM_COLUMNS,
    WARNING,
    ExtractRefused,
    Problem,
    mask_cpr_text,
    problems_frame,
    problems_from_frame,
)
from etl.read import LINE, Extract, read_extract
from etl.staging import STAGERS, Staged, cast_dates, empty_raw, stage, to_store
from etl.validate import Validation, mask_problem_values, validate_extract
from store import db
from store.models import EtlRun, RejectedRow
from store.models import Problem as ProblemRow

log = logging.getLogger(__name__)

STALE_AFTER = dt.timedelta(hours=6)
_PG_LOCK_KEY = 4_711_2026  # advisory lock serialising run starts on PostgreSQL


class EtlBusy(Exception):
    """Another run is in progress."""


@dataclass
class RunResult:
    """The outcome of one run, as recorded in `etl_runs` (problems CPR-masked)."""

    run_id: int | None
    status: str  # loaded | refused | duplicate | failed
    extract_date: dt.date | None = None
    rows_loaded: dict[str, int] = field(default_factory=dict)
    rows_rejected: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    message: str | None = None
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step

    @property
    def ok(self) -> bool:
        return self.status in ("loaded", "duplicate")


@dataclass
class Prepared:
    """An extract read, staged and validated: what the load transaction writes."""

    extract: Extract
    extract_date: dt.date
    source_system: str | None
    frames: dict[str, pd.DataFrame]  # table name -> store frame (kept rows)
    problems: pd.DataFrame  # PROBLEM_COLUMNS, masked
    rejected_rows: pd.DataFrame  # file, line, reasons, raw (JSON text)
    rows_loaded: dict[str, int]
    rows_rejected: dict[str, int]


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


# ----------------------------------------------------------------- prepare
def extract_date_of(
    extract: Extract, as_of: dt.date | None, today: dt.date
) -> tuple[dt.date, str | None, list[Problem]]:
    """The extract date (`as_of`, else the manifest's, else today) and the source system."""
    manifest = extract.manifest
    source: str | None = None
    manifest_date: dt.date | None = None
    if manifest is not None and len(manifest.frame):
        row = manifest.frame.iloc[0]
        source = str(row.get(contract.MANIFEST_SOURCE, "")) or None
        raw = str(row.get(contract.MANIFEST_DATE, ""))
        parsed = cast_dates(pd.Series([raw], dtype=str)).iloc[0]
        if pd.isna(parsed) and as_of is None:
            raise ExtractRefused(
                [
                    Problem(
                        "date-format",
                        f"{manifest.label}: udtraeksdato '{raw}' is not a valid date",
                        file=manifest.label,
                        line=2,
                        column=contract.MANIFEST_DATE,
                        value=raw,
                    )
                ]
            )
        if not pd.isna(parsed):
            manifest_date = parsed.date()
    if as_of is not None:
        return as_of, source, []
    if manifest_date is not None:
        return manifest_date, source, []
    warning = Problem(
        "no-extract-date",
        f"no --as-of and no manifest.csv udtraeksdato: the extract date is taken as today "
        f"({today.isoformat()})",
        file="manifest.csv",
        severity=WARNING,
    )
    return today, source, [warning]


def _rejected_rows(st: Staged, rejected: pd.Series, reasons: pd.Series) -> pd.DataFrame:
    raw = st.raw.frame.loc[rejected.to_numpy()]
    if raw.empty:
        return pd.DataFrame(columns=["file", "line", "reasons", "raw"])
    values = raw.drop(columns=[LINE])
    return pd.DataFrame(
        {
            "file": st.raw.label,
            "line": raw[LINE].astype("int64").to_numpy(),
            "reasons": reasons.reindex(raw.index).fillna("").astype(str).str[:2000].to_numpy(),
            "raw": [json.dumps(r, ensure_ascii=False) for r in values.to_dict("records")],
        }
    )


def prepare(
    path: Path | str, as_of: dt.date | None = None, today: dt.date | None = None
) -> Prepared:
    """Read, stage and validate an extract (no database). Raises `ExtractRefused`."""
    today = today or dt.date.today()
    extract = read_extract(path)
    extract_date, source, date_problems = extract_date_of(extract, as_of, today)
    staged: dict[str, Staged] = {}
    for spec in contract.FILES:
        raw = extract.files.get(spec.name)
        staged[spec.name] = (
            STAGERS[spec.name](raw) if raw is not None else stage(empty_raw(spec), spec)
        )
    validation: Validation = validate_extract(staged, extract_date)
    frames: dict[str, pd.DataFrame] = {}
    rejected_parts = []
    loaded: dict[str, int] = {}
    rejected: dict[str, int] = {}
    for spec in contract.FILES:
        st = staged[spec.name]
        rej = validation.rejected[spec.name]
        frames[spec.table] = to_store(st, ~rej)
        if spec.name in extract.files:
            loaded[st.raw.label] = int((~rej).sum())
            rejected[st.raw.label] = int(rej.sum())
        rejected_parts.append(_rejected_rows(st, rej, validation.reasons[spec.name]))
    reading = problems_frame(extract.problems + date_problems)
    problems = pd.concat(
        [f for f in (reading, validation.problems[PROBLEM_COLUMNS]) if len(f)]
        or [problems_frame()],
        ignore_index=True,
    )
    parts = [p for p in rejected_parts if len(p)]
    rejected_rows = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["file", "line", "reasons", "raw"])
    )
    return Prepared(
        extract=extract,
        extract_date=extract_date,
        source_system=source,
        frames=frames,
        problems=mask_problem_values(problems),
        rejected_rows=rejected_rows,
        rows_loaded=loaded,
        rows_rejected=rejected,
    )


# ------------------------------------------------------------------ writing
def _write_problems(conn: Any, run_id: int, problems: pd.DataFrame) -> None:
    if problems.empty:
        return
    df = problems[PROBLEM_COLUMNS].copy()
    df["run_id"] = run_id
    df["file"] = df["file"].astype(str).str[:100]
    df["column"] = df["column"].astype("string").str[:100]
    df["value"] = df["value"].astype("string").str[:500]
    df["message"] = df["message"].astype(str).str[:1000]
    df["line"] = df["line"].astype("Int64")
    db.bulk_insert(conn, ProblemRow, df)


def _start_run(engine: Engine, source: str, now: dt.datetime) -> int:
    """Record a new running run, or raise EtlBusy if a fresh one is running."""
    with engine.begin() as conn:
        if db.is_postgres(engine):
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
        # Writing first takes SQLite's write lock, so two starts cannot interleave.
        conn.execute(
            update(EtlRun)
            .where(EtlRun.status == "running", EtlRun.started_at < now - STALE_AFTER)
            .values(
                status="failed",
                finished_at=now,
                message=f"stale: still running after {STALE_AFTER}; marked failed",
            )
        )
        busy = conn.execute(
            select(EtlRun.run_id, EtlRun.started_at).where(EtlRun.status == "running")
        ).first()
        if busy is not None:
            raise EtlBusy(
                f"another ETL run (run {busy.run_id}, started {busy.started_at:%Y-%m-%d %H:%M}) "
                "is in progress; try again later"
            )
        result = conn.execute(
            insert(EtlRun).values(
                started_at=now,
                status="running",
                source_path=source[:500],
                file_hashes={},
                rows_loaded={},
                rows_rejected={},
            )
        )
        return int(result.inserted_primary_key[0])


def _finish_run(conn: Any, run_id: int, **values: Any) -> None:
    values.setdefault("finished_at", _now())
    if values.get("message"):
        values["message"] = mask_cpr_text(str(values["message"]))[:2000]
    conn.execute(update(EtlRun).where(EtlRun.run_id == run_id).values(**values))


def _last_loaded(engine: Engine) -> Any:
    with engine.connect() as conn:
        return conn.execute(
            select(EtlRun.run_id, EtlRun.content_hash, EtlRun.extract_date)
            .where(EtlRun.status == "loaded")
            .order_by(EtlRun.run_id.desc())
            .limit(1)
        ).first()


def _refuse_older(prep: Prepared, last: Any, dated_by_option: bool) -> None:
    """Raise ExtractRefused when the extract is dated before the last loaded one."""
    if last is None or last.extract_date is None or prep.extract_date >= last.extract_date:
        return
    manifest = None if dated_by_option else prep.extract.manifest
    raise ExtractRefused(
        [
            Problem(
                "extract-older",
                f"the extract date {prep.extract_date.isoformat()} is before that of the last "
                f"load ({last.extract_date.isoformat()}, run {last.run_id}); nothing loaded "
                "(etl load --allow-older loads it anyway)",
                file=manifest.label if manifest is not None else "--as-of",
                line=2 if manifest is not None else None,
                column=contract.MANIFEST_DATE if manifest is not None else None,
                value=prep.extract_date.isoformat(),
            )
        ]
    )


def load_extract(
    path: Path | str,
    *,
    as_of: dt.date | None = None,
    engine: Engine | None = None,
    today: dt.date | None = None,
    allow_older: bool = False,
) -> RunResult:
    """Load the extract at `path` (folder or .zip) into the store; one recorded run.

    An extract dated before the last loaded one is refused (loaded by mistake, it
    would turn the store back in time) unless `allow_older`: then the KPI figures
    dated after it, computed from the newer data it replaces, are removed.

    Raises `EtlBusy` when another run is in progress (nothing is recorded).
    Otherwise never raises: a refused extract, a duplicate and an unexpected
    error are all returned (and recorded) as the run's status.
    """
    from store.results import missing_history, refresh_monitoring, start_history

    engine = engine or db.get_engine()
    path = Path(path)
    run_id = _start_run(engine, str(path), _now())
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    try:
        try:
            prep = prepare(path, as_of=as_of, today=today)
            if not allow_older:
                _refuse_older(prep, _last_loaded(engine), dated_by_option=as_of is not None)
        except ExtractRefused as refused:
            problems = mask_problem_values(problems_frame(refused.problems))
            with engine.begin() as conn:
                _write_problems(conn, run_id, problems)
                _finish_run(conn, run_id, status="refused", message=str(refused))
            return RunResult(
                run_id,
                "refused",
                problems=problems_from_frame(problems),
                message=mask_cpr_text(str(refused)),
            )
        timings["prepare"] = time.perf_counter() - t0
        extract = prep.extract
        common = {
            "extract_date": prep.extract_date,
            "content_hash": extract.content_hash,
            "file_hashes": extract.file_hashes,
            "source_system": prep.source_system,
        }
        last = _last_loaded(engine)
        if (
            last is not None
            and last.content_hash == extract.content_hash
            and last.extract_date == prep.extract_date
        ):
            message = f"same extract as run {last.run_id}: nothing loaded"
            with engine.begin() as conn:
                _finish_run(conn, run_id, status="duplicate", message=message, **common)
            return RunResult(run_id, "duplicate", prep.extract_date, message=message)

        t1 = time.perf_counter()
        # The first load into a store also computes three years of month-end history:
        # started now, in a second process, it runs while the extract is written.
        ends = missing_history(engine, prep.extract_date)
        history_job = start_history(prep.frames, ends) if ends else None
        try:
            with db.transaction(engine) as conn:  # rebuilt tables swap in at its end
                db.replace_current_data(conn, prep.frames)
                _write_problems(conn, run_id, prep.problems)
                if len(prep.rejected_rows):
                    db.bulk_insert(conn, RejectedRow, prep.rejected_rows.assign(run_id=run_id))
                timings["write"] = time.perf_counter() - t1
                t2 = time.perf_counter()
                steps = refresh_monitoring(
                    conn, prep.frames, prep.extract_date, run_id, history_job
                )
                timings["refresh_monitoring"] = time.perf_counter() - t2
                timings.update({f"monitoring.{k}": v for k, v in steps.items()})
                n_err = int((prep.problems["severity"] == ERROR).sum())
                n_rej = sum(prep.rows_rejected.values())
                message = f"{n_rej} rows rejected; {len(prep.problems)} problems ({n_err} errors)"
                _finish_run(
                    conn,
                    run_id,
                    status="loaded",
                    rows_loaded=prep.rows_loaded,
                    rows_rejected=prep.rows_rejected,
                    message=message,
                    **common,
                )
        finally:
            if history_job is not None:
                history_job.cancel()
        timings["commit"] = (
            time.perf_counter() - t1 - timings["write"] - timings["refresh_monitoring"]
        )
        return RunResult(
            run_id,
            "loaded",
            prep.extract_date,
            prep.rows_loaded,
            prep.rows_rejected,
            problems_from_frame(prep.problems),
            message,
            timings,
        )
    except Exception as exc:  # record any unexpected error as a failed run
        message = mask_cpr_text(f"{type(exc).__name__}: {exc}") or "failed"
        log.error("ETL run %s failed: %s", run_id, message)
        with engine.begin() as conn:
            _finish_run(conn, run_id, status="failed", message=message)
        return RunResult(run_id, "failed", message=message)


# ------------------------------------------------------------------- status
def last_run(engine: Engine | None = None) -> dict[str, Any] | None:
    """The last run as a plain dict (the `status --json` shape); problems CPR-masked."""
    engine = engine or db.get_engine()
    with engine.connect() as conn:
        row = (
            conn.execute(select(EtlRun.__table__).order_by(EtlRun.run_id.desc()).limit(1))
            .mappings()
            .first()
        )
        if row is None:
            return None
        run = SimpleNamespace(**row)
        rows = conn.execute(
            select(
                ProblemRow.file,
                ProblemRow.line,
                ProblemRow.column,
                ProblemRow.value,
                ProblemRow.rule,
                ProblemRow.message,
                ProblemRow.severity,
            )
            .where(ProblemRow.run_id == run.run_id)
            .order_by(ProblemRow.problem_id)
        ).all()
    problems = mask_problem_values(pd.DataFrame(rows, columns=PROBLEM_COLUMNS))
    return {
        "run_id": run.run_id,
        "status": run.status,
        "extract_date": run.extract_date.isoformat() if run.extract_date else None,
        "rows_loaded": dict(run.rows_loaded or {}),
        "rows_rejected": dict(run.rows_rejected or {}),
        "problems": [
            {
                "file": p.file,
                "line": p.line,
                "column": p.column,
                "value": p.value,
                "rule": p.rule,
                "message": p.message,
            }
            for p in problems_from_frame(problems)
        ],
        # Not part of the JSON shape; used by the text summary.
        "_message": mask_cpr_text(run.message),
        "_started_at": run.started_at,
        "_finished_at": run.finished_at,
    }
