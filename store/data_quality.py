"""Datakvalitet: the ETL runs, how fresh the current load is, and the problems found.

Run records and problems hold no citizen data beyond masked values, so every
scope may see them; the functions still take the viewer's scope like every
page query. The runs' outcomes are data (`etl_runs.outcome`), rendered in
Danish by `vocab.run_outcome_text`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Engine, func, select

import cpr
from store.frames import select_frame
from store.models import Case, EtlRun, Finding, Problem
from store.runs import as_date, last_loaded
from store.scope import Scope, cases_where
from vocab import RunStatus, Severity

# The columns of `etl_runs`, one row per run, newest first.
RUN_COLUMNS = (
    "run_id",
    "started_at",
    "finished_at",
    "status",
    "source_path",
    "extract_date",
    "rows_loaded",
    "rows_rejected",
    "outcome",
    "message",
)
PROBLEM_COLUMNS = ("file", "line", "column", "value", "rule", "severity", "message")


def etl_runs(engine: Engine, scope: Scope, limit: int = 30) -> pd.DataFrame:
    """The newest ETL runs, one row per run, newest first.

    Columns: `RUN_COLUMNS` (rows_loaded/rows_rejected: {file: count}; outcome:
    {"code": ..., params} or None; message: the English text of the logs).
    """
    stmt = select(*[getattr(EtlRun, c) for c in RUN_COLUMNS])
    return select_frame(engine, stmt.order_by(EtlRun.run_id.desc()).limit(limit), RUN_COLUMNS)


@dataclass(frozen=True)
class Freshness:
    """The newest good load (status loaded); `last_loaded_at` None = nothing loaded yet."""

    last_loaded_at: dt.datetime | None
    extract_date: dt.date | None
    run_id: int | None

    def age_hours(self, now: dt.datetime) -> float | None:
        """Hours since the load finished, or None."""
        if self.last_loaded_at is None:
            return None
        return (now - self.last_loaded_at).total_seconds() / 3600

    def is_stale(self, now: dt.datetime, stale_hours: float) -> bool:
        """Whether the load is older than `stale_hours`, or there is none."""
        age = self.age_hours(now)
        return age is None or age > stale_hours


def freshness(engine: Engine, scope: Scope) -> Freshness:
    """When the current load (the newest run that loaded) finished, and its extract date."""
    stmt = (
        select(EtlRun.run_id, EtlRun.finished_at, EtlRun.started_at, EtlRun.extract_date)
        .where(EtlRun.status == RunStatus.LOADED)
        .order_by(EtlRun.run_id.desc())
        .limit(1)
    )
    with engine.connect() as conn:
        row = conn.execute(stmt).first()
    if row is None:
        return Freshness(None, None, None)
    return Freshness(row.finished_at or row.started_at, as_date(row.extract_date), int(row.run_id))


def problems_by_rule(engine: Engine, scope: Scope, run_id: int | None = None) -> pd.DataFrame:
    """Problems of one run (default: the newest run with problems), one row per rule
    and severity, most frequent first. Columns: run_id, rule, severity, files, n."""
    p = Problem
    if run_id is None:
        with engine.connect() as conn:
            run_id = conn.execute(select(func.max(p.run_id))).scalar()
    cols = ["run_id", "rule", "severity", "files", "n"]
    if run_id is None:
        return pd.DataFrame(columns=cols)
    stmt = (
        select(p.run_id, p.rule, p.severity, func.count(func.distinct(p.file)), func.count())
        .where(p.run_id == run_id)
        .group_by(p.run_id, p.rule, p.severity)
        .order_by(func.count().desc(), p.rule)
    )
    return select_frame(engine, stmt, cols)


def problem_rows(
    engine: Engine,
    scope: Scope,
    run_id: int,
    rule: str | None = None,
    limit: int | None = 500,
) -> pd.DataFrame:
    """The problems of a run (of one rule), one row per problem in file and line order.

    Columns: `PROBLEM_COLUMNS` (values already masked when stored).
    """
    p = Problem
    stmt = select(*[getattr(p, c) for c in PROBLEM_COLUMNS]).where(p.run_id == run_id)
    if rule:
        stmt = stmt.where(p.rule == rule)
    stmt = stmt.order_by(p.file, p.line, p.problem_id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return select_frame(engine, stmt, PROBLEM_COLUMNS)


# ----------------------------------------------------- data-quality findings
FINDING_COLUMNS = ("kind", "code", "n")
FINDING_RECORD_COLUMNS = ("kind", "code", "record_id", "case_id", "center", "cpr_masked")


def _current_load(engine: Engine) -> int | None:
    """The run whose data the pages show (the newest that loaded), or None."""
    good = last_loaded(engine)
    return good.run_id if good else None


def _finding_clauses(scope: Scope, run_id: int) -> list[Any]:
    """Findings of a run, narrowed to the scope through their cases (a finding whose
    record has no case in the store is seen by the unnarrowed scopes only)."""
    return [Finding.run_id == run_id, *cases_where(scope)]


def findings_by_code(engine: Engine, scope: Scope, run_id: int | None = None) -> pd.DataFrame:
    """The data-quality findings of a load (default: the current load), one row per kind
    and code, most records first. Columns: kind, code, n."""
    run_id = run_id if run_id is not None else _current_load(engine)
    if run_id is None:
        return pd.DataFrame(columns=list(FINDING_COLUMNS))
    f, clauses = Finding, _finding_clauses(scope, run_id)
    stmt = select(f.kind, f.code, func.count()).select_from(f)
    if len(clauses) > 1:  # a narrowed scope: only findings on its cases
        stmt = stmt.join(Case, Case.case_id == f.case_id)
    stmt = (
        stmt.where(*clauses).group_by(f.kind, f.code).order_by(func.count().desc(), f.kind, f.code)
    )
    return select_frame(engine, stmt, FINDING_COLUMNS)


def finding_records(
    engine: Engine,
    scope: Scope,
    kind: str,
    code: str | None = None,
    run_id: int | None = None,
    limit: int | None = 500,
) -> pd.DataFrame:
    """The records behind a finding (kind, and code when given) of a load (default: the
    current load), one row per record in case order. Columns: `FINDING_RECORD_COLUMNS`
    (CPR masked)."""
    run_id = run_id if run_id is not None else _current_load(engine)
    if run_id is None:
        return pd.DataFrame(columns=list(FINDING_RECORD_COLUMNS))
    f, clauses = Finding, _finding_clauses(scope, run_id)
    stmt = (
        select(f.kind, f.code, f.record_id, f.case_id, Case.center, Case.cpr)
        .select_from(f)
        .outerjoin(Case, Case.case_id == f.case_id)
        .where(*clauses, f.kind == kind)
    )
    if code is not None:
        stmt = stmt.where(f.code == code)
    stmt = stmt.order_by(f.case_id, f.record_id)
    if limit is not None:
        stmt = stmt.limit(limit)
    df = select_frame(engine, stmt, FINDING_RECORD_COLUMNS)
    df["cpr_masked"] = cpr.mask_value_series(df["cpr_masked"].astype("string"))
    return df


# ------------------------------------------------------- the banner of every page
# An attempt after the current load that loaded nothing because of the extract or
# the process (a duplicate loads nothing too, but its data is the current load's).
NOT_LOADED = (RunStatus.REFUSED, RunStatus.FAILED, RunStatus.ABORTED)


@dataclass(frozen=True)
class FailedRun:
    """A run that loaded nothing (refused, failed, aborted), newer than the current load."""

    run_id: int
    status: str
    outcome: dict[str, Any] | None  # {"code": ..., params}, rendered by vocab.run_outcome_text
    started_at: dt.datetime | None
    extract_date: dt.date | None


@dataclass(frozen=True)
class LoadStatus:
    """What the banner of every page says: the current load, what it left out, and a
    newer attempt that loaded nothing.

    `rows_rejected`: the current load's rejected rows (all files); `warnings`: its
    warnings (rows kept); `failed`: the newest run after it that refused, failed or
    was aborted, or None.
    """

    current: Freshness
    rows_rejected: int = 0
    warnings: int = 0
    failed: FailedRun | None = None


def _total(counts: Any) -> int:
    """A run's per-file counts ({"sager.csv": 12, ...}) added up."""
    if not isinstance(counts, dict):
        return 0
    return int(sum(int(v) for v in counts.values() if isinstance(v, (int, float))))


def load_status(engine: Engine, scope: Scope) -> LoadStatus:
    """The current load (newest run that loaded) with its rejected rows and warnings, and
    the newest later run that loaded nothing. Two or three small indexed reads: cheap
    enough for every request."""
    current = (
        select(
            EtlRun.run_id,
            EtlRun.finished_at,
            EtlRun.started_at,
            EtlRun.extract_date,
            EtlRun.rows_rejected,
            EtlRun.outcome,
        )
        .where(EtlRun.status == RunStatus.LOADED)
        .order_by(EtlRun.run_id.desc())
        .limit(1)
    )
    with engine.connect() as conn:
        loaded = conn.execute(current).first()
        failed_stmt = (
            select(
                EtlRun.run_id,
                EtlRun.status,
                EtlRun.outcome,
                EtlRun.started_at,
                EtlRun.extract_date,
            )
            .where(EtlRun.status.in_(NOT_LOADED))
            .order_by(EtlRun.run_id.desc())
            .limit(1)
        )
        if loaded is not None:
            failed_stmt = failed_stmt.where(EtlRun.run_id > loaded.run_id)
        failed_row = conn.execute(failed_stmt).first()
        warnings = 0
        if loaded is not None:
            outcome = loaded.outcome if isinstance(loaded.outcome, dict) else {}
            if "problems" in outcome and "errors" in outcome:
                warnings = int(outcome["problems"]) - int(outcome["errors"])
            else:  # a run stored before outcomes were data: count its warnings
                warnings = int(
                    conn.execute(
                        select(func.count()).where(
                            Problem.run_id == loaded.run_id,
                            Problem.severity == Severity.WARNING,
                        )
                    ).scalar_one()
                )
    failed = (
        None
        if failed_row is None
        else FailedRun(
            int(failed_row.run_id),
            str(failed_row.status),
            failed_row.outcome if isinstance(failed_row.outcome, dict) else None,
            failed_row.started_at,
            as_date(failed_row.extract_date),
        )
    )
    if loaded is None:
        return LoadStatus(Freshness(None, None, None), failed=failed)
    fresh = Freshness(
        loaded.finished_at or loaded.started_at, as_date(loaded.extract_date), int(loaded.run_id)
    )
    return LoadStatus(fresh, _total(loaded.rows_rejected), max(warnings, 0), failed)
