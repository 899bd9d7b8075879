"""The load job: one extract into the store, as one recorded run.

    take the run lock        store.runs.run_lock (held while the process lives, else EtlBusy)
    start the run            store.runs.start_run (a run left by a dead process: aborted)
    read, stage, validate    etl.prepare (no database)
    refuse                   the same extract again (duplicate); an implausible one
                             (jobs.plausibility: a file cut short or mostly rejected,
                             a date in the future or before the last load) unless accepted
    start the history        jobs.refresh (first load only, in a second process)
    -- one transaction: readers see the previous load until it commits --
    write the extract        store.db.replace_current_data, store.runs (problems, rejected rows)
    evaluate                 jobs.refresh.evaluate (monitoring, pure)
    write the results        jobs.refresh.write_results (store.results)
    finish the run           store.runs.finish_run: status, outcome as data, message
    -- after it --
    tidy                     store.runs.purge_old_runs (RETENTION_RUNS), store.db.checkpoint

Every attempt ends as a run in `etl_runs` (loaded | refused | duplicate |
failed): a refused, duplicate or failed run changes no current data. The
tables rebuilt in the transaction swap in at its end (`store.db.transaction`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

import cpr
import settings
from etl.prepare import Prepared, prepare
from etl.problems import ExtractRefused, Problem, problems_frame, problems_from_frame
from etl.validate import mask_problem_values
from jobs import plausibility, refresh
from jobs.plausibility import ACCEPT_FUTURE, ACCEPT_SHRINK, ALLOW_OLDER, FLAGS, Limits
from jobs.refresh import Clock
from store import db, maintenance, runs
from store.runs import EtlBusy, LoadedRun
from vocab import RunStatus, Severity

log = logging.getLogger(__name__)

__all__ = ["EtlBusy", "RunResult", "load_extract", "prune"]


@dataclass
class RunResult:
    """The outcome of one run, as recorded in `etl_runs` (problems CPR-masked)."""

    run_id: int | None
    status: RunStatus  # loaded | refused | duplicate | failed
    extract_date: dt.date | None = None
    rows_loaded: dict[str, int] = field(default_factory=dict)
    rows_rejected: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    message: str | None = None
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step
    outcome: dict[str, Any] = field(default_factory=dict)  # as stored: {"code": ..., params}
    forced: bool = False  # loaded although a plausibility check refused it

    @property
    def ok(self) -> bool:
        return self.status in (RunStatus.LOADED, RunStatus.DUPLICATE)

    @property
    def deciding(self) -> list[Problem]:
        """The problems that refused the run (those of the outcome's rules)."""
        rules = set(self.outcome.get("rules") or [])
        return [p for p in self.problems if p.rule in rules and p.severity == Severity.ERROR]


def load_extract(
    path: Path | str,
    *,
    as_of: dt.date | None = None,
    engine: Engine | None = None,
    today: dt.date | None = None,
    allow_older: bool = False,
    accept_shrink: bool = False,
    accept_future: bool = False,
    limits: Limits | None = None,
) -> RunResult:
    """Load the extract at `path` (folder or .zip) into the store; one recorded run.

    An extract the plausibility checks refuse (`jobs.plausibility`) is loaded
    only when the operator accepts its rules: `accept_shrink` (a file cut short,
    header only, or mostly rejected) and `accept_future` (dated after tomorrow)
    load it as a forced run; `allow_older` loads one dated before the last load
    and removes the KPI figures dated after it, computed from the newer data it
    replaces. `limits`: the settings' by default.

    Raises `EtlBusy` when another process holds the run lock (nothing is
    recorded), and the database's error when the run cannot even be recorded
    (an unwritable store). Otherwise never raises: a refused extract, a
    duplicate and an unexpected error are all returned (and recorded) as the
    run's status.
    """
    engine = engine or db.get_engine()
    path = Path(path)
    accepted = {
        flag
        for flag, given in (
            (ALLOW_OLDER, allow_older),
            (ACCEPT_SHRINK, accept_shrink),
            (ACCEPT_FUTURE, accept_future),
        )
        if given
    }
    limits = limits or Limits.from_settings()
    with runs.run_lock(engine) as lock:  # EtlBusy at once if another process holds it
        run_id = runs.start_run(lock, str(path))
        try:
            result = _run(engine, run_id, path, as_of, today or dt.date.today(), accepted, limits)
        except Exception as exc:  # record any unexpected error as a failed run
            result = _failed(engine, run_id, exc)
        _tidy(engine, run_id, loaded=result.status == RunStatus.LOADED)
    return result


def prune(engine: Engine, keep_runs: int | None = None) -> dict[str, int]:
    """Purge the problems and rejected rows of old runs (`store.runs.purge_old_runs`,
    RETENTION_RUNS by default), holding the run lock (`EtlBusy` while a load runs)."""
    keep = keep_runs if keep_runs is not None else settings.RETENTION_RUNS.get()
    with runs.run_lock(engine):
        with db.transaction(engine) as conn:
            deleted = runs.purge_old_runs(conn, keep)
        db.checkpoint(engine)
    return deleted


def _tidy(engine: Engine, run_id: int, loaded: bool = False) -> None:
    """After a run: purge old runs' problems and rejected rows, empty SQLite's WAL, and
    after a load refresh the planner's statistics (`store.maintenance.analyze`).
    A failure here is logged; it changes nothing of the run."""
    try:
        with db.transaction(engine) as conn:
            deleted = runs.purge_old_runs(conn, settings.RETENTION_RUNS.get())
        if any(deleted.values()):
            log.info("run %s: purged %s of older runs", run_id, deleted)
        db.checkpoint(engine)
        if loaded:
            maintenance.analyze(engine)
    except Exception as exc:
        log.warning("run %s: tidying up after the run failed: %s", run_id, _error_text(exc))


def _run(
    engine: Engine,
    run_id: int,
    path: Path,
    as_of: dt.date | None,
    today: dt.date,
    accepted: Collection[str],
    limits: Limits,
) -> RunResult:
    """The load after its run is recorded, step by step."""
    clock = Clock()
    try:
        # read, stage, validate; a header-only required file is refused unless accepted
        prep = prepare(path, as_of=as_of, today=today, accept_empty=ACCEPT_SHRINK in accepted)
    except ExtractRefused as refused:
        rules = list(dict.fromkeys(p.rule for p in refused.deciding))
        return _refused(engine, run_id, refused.problems, rules)
    last = runs.last_loaded(engine)
    if last is not None and _same_extract(prep, last):
        return _duplicate(engine, run_id, prep, last)
    findings = plausibility.check(prep, last, today, limits, dated_by_option=as_of is not None)
    refusing = [f for f in findings if FLAGS[f.rule] not in accepted]
    if refusing:
        return _implausible(engine, run_id, prep, findings, refusing)
    forced = [f for f in findings if f.rule != "extract-older"]  # --allow-older: as always
    if forced:
        prep.problems = pd.concat([_as_warnings(forced), prep.problems], ignore_index=True)
    clock.lap("prepare")

    history_job = refresh.start_history_if_missing(engine, prep.frames, prep.extract_date)
    try:
        with db.transaction(engine) as conn:  # rebuilt tables swap in at its end
            db.replace_current_data(conn, prep.frames)  # write the extract
            runs.write_problems(conn, run_id, prep.problems)
            runs.write_rejected_rows(conn, run_id, prep.rejected_rows)
            clock.lap("write")
            monitoring = refresh.evaluate(prep.frames, prep.extract_date)  # evaluate
            clock.lap("monitoring.evaluate")
            steps = refresh.write_results(  # write the results
                conn, monitoring, prep.extract_date, run_id, history_job, prep.frames
            )
            outcome, message = _loaded_outcome(prep, forced)
            runs.finish_run(  # finish the run
                conn,
                run_id,
                RunStatus.LOADED,
                outcome,
                message,
                **_extract_details(prep),
                rows_loaded=prep.rows_loaded,
                rows_rejected=prep.rows_rejected,
                forced=bool(forced),
            )
    finally:
        if history_job is not None:
            history_job.cancel()
    clock.lap("commit")
    return RunResult(
        run_id,
        RunStatus.LOADED,
        prep.extract_date,
        prep.rows_loaded,
        prep.rows_rejected,
        problems_from_frame(prep.problems),
        message,
        _timings(clock.laps, steps),
        outcome,
        forced=bool(forced),
    )


def _timings(laps: dict[str, float], monitoring_steps: dict[str, float]) -> dict[str, float]:
    """Seconds per step: prepare, write, refresh_monitoring (and its monitoring.* steps),
    commit (finishing the run and committing)."""
    timings = {**laps, **{f"monitoring.{k}": v for k, v in monitoring_steps.items()}}
    timings["commit"] -= sum(monitoring_steps.values())  # write_results ran within that lap
    timings["refresh_monitoring"] = sum(
        v for k, v in timings.items() if k.startswith("monitoring.")
    )
    return timings


def _same_extract(prep: Prepared, last: LoadedRun) -> bool:
    """The same files with the same extract date as the last load: nothing to do."""
    return last.content_hash == prep.extract.content_hash and last.extract_date == prep.extract_date


# ------------------------------------------------------------- run outcomes
def _extract_details(prep: Prepared) -> dict[str, Any]:
    """What the run record keeps of the extract read."""
    return {
        "extract_date": prep.extract_date,
        "content_hash": prep.extract.content_hash,
        "file_hashes": prep.extract.file_hashes,
        "source_system": prep.source_system,
    }


def _loaded_outcome(prep: Prepared, forced: list[Problem]) -> tuple[dict[str, Any], str]:
    n_rejected = sum(prep.rows_rejected.values())
    n_problems = len(prep.problems)
    n_errors = int((prep.problems["severity"] == Severity.ERROR).sum())
    outcome: dict[str, Any] = {
        "code": RunStatus.LOADED,
        "rows_rejected": n_rejected,
        "problems": n_problems,
        "errors": n_errors,
    }
    message = f"{n_rejected} rows rejected; {n_problems} problems ({n_errors} errors)"
    if forced:
        rules = list(dict.fromkeys(f.rule for f in forced))
        outcome.update(forced=True, accepted=rules)
        message += f"; forced: loaded although refused for {', '.join(rules)}"
    return outcome, message


def _refusal(problem: Problem) -> Problem:
    """A plausibility finding as the refusal users read: what happened, how to load anyway."""
    flag = FLAGS[problem.rule]
    return _with_message(
        problem, f"{problem.message}; intet indlæst (etl load {flag} indlæser det alligevel)"
    )


def _as_warnings(findings: list[Problem]) -> pd.DataFrame:
    """Accepted plausibility findings, recorded on the forced run as warnings."""
    return problems_frame(
        [
            _with_message(
                f,
                f"{f.message}; indlæst alligevel (etl load {FLAGS[f.rule]})",
                severity=Severity.WARNING,
            )
            for f in findings
        ]
    )


def _with_message(problem: Problem, message: str, severity: Severity | None = None) -> Problem:
    return Problem(
        problem.rule,
        message,
        problem.file,
        problem.line,
        problem.column,
        problem.value,
        severity or problem.severity,
    )


def _implausible(
    engine: Engine,
    run_id: int,
    prep: Prepared,
    findings: list[Problem],
    refusing: list[Problem],
) -> RunResult:
    """Refuse a readable extract that fails a plausibility check: every finding and the
    extract's own problems are recorded, the refusing rules decide the outcome."""
    rules = list(dict.fromkeys(f.rule for f in refusing))
    refusals = problems_frame([_refusal(f) for f in findings])
    problems = pd.concat([refusals, prep.problems], ignore_index=True)
    return _refused(engine, run_id, problems_from_frame(problems), rules, prep.extract_date)


def _refused(
    engine: Engine,
    run_id: int,
    found: list[Problem],
    rules: list[str],
    extract_date: dt.date | None = None,
) -> RunResult:
    problems = mask_problem_values(problems_frame(found))
    outcome = {"code": RunStatus.REFUSED, "rules": rules}
    message = "; ".join(f"{p.file}: {p.message}" for p in found if p.rule in rules)
    with db.transaction(engine) as conn:
        runs.write_problems(conn, run_id, problems)
        runs.finish_run(conn, run_id, RunStatus.REFUSED, outcome, message)
    return RunResult(
        run_id,
        RunStatus.REFUSED,
        extract_date,  # as read, for the command line (a refused run records none)
        problems=problems_from_frame(problems),
        message=cpr.mask_text(message),
        outcome=outcome,
    )


def _duplicate(engine: Engine, run_id: int, prep: Prepared, last: LoadedRun) -> RunResult:
    outcome = {"code": RunStatus.DUPLICATE, "same_as_run": last.run_id}
    message = f"same extract as run {last.run_id}: nothing loaded"
    with db.transaction(engine) as conn:
        runs.finish_run(
            conn, run_id, RunStatus.DUPLICATE, outcome, message, **_extract_details(prep)
        )
    return RunResult(
        run_id, RunStatus.DUPLICATE, prep.extract_date, message=message, outcome=outcome
    )


def _error_text(exc: BaseException) -> str:
    """An error in one line, without SQL: a database error as the driver's message."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        exc = exc.orig
    first_line = (str(exc).strip().splitlines() or [""])[0]
    return cpr.mask_text(f"{type(exc).__name__}: {first_line}") or type(exc).__name__


def _failed(engine: Engine, run_id: int, exc: Exception) -> RunResult:
    error = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    outcome = {"code": RunStatus.FAILED, "error": type(error).__name__}
    message = _error_text(exc)
    log.error("ETL run %s failed: %s", run_id, message)
    try:
        with db.transaction(engine) as conn:
            runs.finish_run(conn, run_id, RunStatus.FAILED, outcome, message)
    except Exception as again:  # e.g. the disk is full: the next load marks it aborted
        log.error("ETL run %s: the failure could not be recorded: %s", run_id, _error_text(again))
    return RunResult(run_id, RunStatus.FAILED, message=message, outcome=outcome)
