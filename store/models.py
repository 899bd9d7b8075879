"""SQLAlchemy 2 typed models: the only description of the store's tables.

Three groups:
- **current data** (`employees` ... `reviews`): the last good load, English
  names, one row per row of the extract file (grain stated per class).
- **run records** (`etl_runs`, `problems`, `rejected_rows`): every ETL run,
  every problem found, every rejected row with its raw values.
- **monitoring results** (`obligations`, `kpi_members`, `kpi_results`):
  computed by `monitoring` after each load and stored for the web app.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


# ---------------------------------------------------------------- current data
class Employee(Base):
    """One row per caseworker (medarbejdere.csv)."""

    __tablename__ = "employees"
    employee_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    center: Mapped[str] = mapped_column(String(16), index=True)
    team: Mapped[str | None] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Case(Base):
    """One row per case (sager.csv): one citizen in one center."""

    __tablename__ = "cases"
    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    cpr: Mapped[str] = mapped_column(String(11))  # normalised DDMMYY-SSSS
    target_group: Mapped[str] = mapped_column(String(8))  # born | voksen
    center: Mapped[str] = mapped_column(String(16), index=True)
    team: Mapped[str | None] = mapped_column(String(100))
    caseworker_id: Mapped[str | None] = mapped_column(String(64), index=True)
    opened_on: Mapped[dt.date] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    acute: Mapped[bool] = mapped_column(Boolean, default=False)


class Measure(Base):
    """One row per granted measure (foranstaltninger.csv)."""

    __tablename__ = "measures"
    measure_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(64), index=True)
    paragraph: Mapped[str] = mapped_column(String(32))  # normalised code, e.g. SEL52.3.7
    title: Mapped[str | None] = mapped_column(String(200))
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    start_on: Mapped[dt.date] = mapped_column(Date)
    end_on: Mapped[dt.date | None] = mapped_column(Date)
    acute: Mapped[bool | None] = mapped_column(Boolean)  # None: not given (the case's applies)


class ActionPlan(Base):
    """One row per action plan (handleplaner.csv)."""

    __tablename__ = "action_plans"
    plan_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(64), index=True)
    made_on: Mapped[dt.date | None] = mapped_column(Date)
    revised_on: Mapped[dt.date | None] = mapped_column(Date)
    offered_on: Mapped[dt.date | None] = mapped_column(Date)
    declined: Mapped[bool] = mapped_column(Boolean, default=False)


class FollowUp(Base):
    """One row per follow-up done (opfoelgninger.csv); measure_id None = whole case."""

    __tablename__ = "follow_ups"
    follow_up_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(64), index=True)
    measure_id: Mapped[str | None] = mapped_column(String(64))
    done_on: Mapped[dt.date] = mapped_column(Date)
    form: Mapped[str | None] = mapped_column(String(16))
    next_due_on: Mapped[dt.date | None] = mapped_column(Date)


class Investigation(Base):
    """One row per child-welfare investigation (undersoegelser.csv)."""

    __tablename__ = "investigations"
    investigation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(64), index=True)
    start_on: Mapped[dt.date] = mapped_column(Date)
    completed_on: Mapped[dt.date | None] = mapped_column(Date)


class Application(Base):
    """One row per application with a processing deadline (ansoegninger.csv)."""

    __tablename__ = "applications"
    application_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(64), index=True)
    benefit: Mapped[str] = mapped_column(String(64))
    received_on: Mapped[dt.date] = mapped_column(Date)
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    letter_sent_on: Mapped[dt.date | None] = mapped_column(Date)


class Complaint(Base):
    """One row per complaint (klager.csv)."""

    __tablename__ = "complaints"
    complaint_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(64), index=True)
    paragraph: Mapped[str | None] = mapped_column(String(32))
    complaint_type: Mapped[str] = mapped_column(String(16))  # realitet | formalitet
    received_on: Mapped[dt.date] = mapped_column(Date)
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(16))


class Review(Base):
    """One row per case per review campaign (gennemgange.csv)."""

    __tablename__ = "reviews"
    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    campaign: Mapped[str] = mapped_column(String(100), primary_key=True)
    reviewed_on: Mapped[dt.date | None] = mapped_column(Date)


# Current-data tables in load order (parents first).
DATA_MODELS: tuple[type[Base], ...] = (
    Employee,
    Case,
    Measure,
    ActionPlan,
    FollowUp,
    Investigation,
    Application,
    Complaint,
    Review,
)


# ----------------------------------------------------------------- run records
class EtlRun(Base):
    """One row per ETL run (load attempt), whatever its outcome.

    status: a `vocab.RunStatus` (running | loaded | refused | duplicate | failed |
    aborted). Only one run is `running` at a time: it holds the run lock
    (`store.runs.run_lock`); a run left `running` by a process that died is marked
    `aborted` by the next one.
    outcome: the finished run's outcome as data, `{"code": ..., params}` with a
    code of `vocab.RUN_OUTCOMES`, e.g. {"code": "loaded", "rows_rejected": 3,
    "problems": 5, "errors": 3}; None while running. `message` is the same in
    English for the command line and logs (CPR-masked).
    forced: loaded although a plausibility check refused the extract
    (`etl load --accept-shrink` / `--accept-future`).
    """

    __tablename__ = "etl_runs"
    run_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=False))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=False))
    status: Mapped[str] = mapped_column(String(16), index=True)
    source_path: Mapped[str] = mapped_column(String(500))
    source_system: Mapped[str | None] = mapped_column(String(100))
    extract_date: Mapped[dt.date | None] = mapped_column(Date)
    content_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    file_hashes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    rows_loaded: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    rows_rejected: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    message: Mapped[str | None] = mapped_column(String(2000))
    outcome: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    forced: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Problem(Base):
    """One row per problem found by validation. `value` is masked if it holds a CPR."""

    __tablename__ = "problems"
    problem_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("etl_runs.run_id"), index=True)
    file: Mapped[str] = mapped_column(String(100))
    line: Mapped[int | None] = mapped_column(Integer)
    column: Mapped[str | None] = mapped_column(String(100))
    value: Mapped[str | None] = mapped_column(String(500))
    rule: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(String(1000))
    severity: Mapped[str] = mapped_column(String(8), default="error")  # error | warning


class RejectedRow(Base):
    """One row per quarantined extract row, with its raw values (nothing is lost)."""

    __tablename__ = "rejected_rows"
    rejected_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("etl_runs.run_id"), index=True)
    file: Mapped[str] = mapped_column(String(100))
    line: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[str] = mapped_column(String(2000))  # rule codes, "; "-joined
    raw: Mapped[dict[str, Any]] = mapped_column(JSON)


# --------------------------------------------------------- monitoring results
class Obligation(Base):
    """One row per obligation known at `as_of` (the latest load's extract date).

    kind: handleplan | follow-up | investigation | processing | letter | shelter-plan
    status: met | late | overdue | open | missed   (late = done, but after due_on;
    missed = can no longer be done: a delay letter not sent before the decision)
    """

    __tablename__ = "obligations"
    obligation_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))  # indexed by ix_obligations_kind_status
    case_id: Mapped[str] = mapped_column(String(64), index=True)
    source_id: Mapped[str | None] = mapped_column(String(64))  # measure/investigation/application
    target_group: Mapped[str] = mapped_column(String(8))
    center: Mapped[str] = mapped_column(String(16))  # leads ix_obligations_filter/_org
    team: Mapped[str] = mapped_column(String(100), index=True)
    caseworker_id: Mapped[str] = mapped_column(String(64), index=True)  # "ufordelt" if none
    cpr_masked: Mapped[str] = mapped_column(String(11))
    due_on: Mapped[dt.date] = mapped_column(Date, index=True)
    done_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8))  # leads ix_obligations_status_due
    days_overdue: Mapped[int] = mapped_column(Integer, default=0)
    rule_id: Mapped[str] = mapped_column(String(64))
    law: Mapped[str] = mapped_column(String(16))
    paragraph: Mapped[str | None] = mapped_column(String(32))
    rule_text: Mapped[str] = mapped_column(String(300))  # "why is this due", Danish
    # the date the due date was counted from, and what it is ("iværksættelse", ...)
    anchor_on: Mapped[dt.date | None] = mapped_column(Date)
    anchor_label: Mapped[str | None] = mapped_column(String(100))


class KpiMember(Base):
    """One row per KPI per counted unit at `as_of`: the list behind every card.

    A card's denominator is the number of members; its numerator those with met.
    `obligation_id` is the obligation that decided the unit's result.
    """

    __tablename__ = "kpi_members"
    member_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    kpi: Mapped[str] = mapped_column(String(8), index=True)
    unit_id: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[str] = mapped_column(String(64))
    center: Mapped[str] = mapped_column(String(16), index=True)
    team: Mapped[str] = mapped_column(String(100))
    caseworker_id: Mapped[str] = mapped_column(String(64))
    met: Mapped[bool] = mapped_column(Boolean)
    obligation_id: Mapped[str | None] = mapped_column(String(128))


class KpiResult(Base):
    """One row per KPI per scope per date.

    kind: snapshot (nightly, from that night's load) | recomputed (backfill
    from a later extract) | forecast (value if nothing more is done).
    level: all | center | team | caseworker; key columns not used by the
    level hold "" (center "ALL" for level all).
    """

    __tablename__ = "kpi_results"
    result_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int | None] = mapped_column(Integer, index=True)
    as_of: Mapped[dt.date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(12))
    kpi: Mapped[str] = mapped_column(String(8))
    level: Mapped[str] = mapped_column(String(12))
    center: Mapped[str] = mapped_column(String(16))
    team: Mapped[str] = mapped_column(String(100))
    caseworker_id: Mapped[str] = mapped_column(String(64))
    numerator: Mapped[int] = mapped_column(Integer)
    denominator: Mapped[int] = mapped_column(Integer)
    value: Mapped[float | None] = mapped_column(Float)
    target: Mapped[float] = mapped_column(Float)
    needed: Mapped[int | None] = mapped_column(Integer)  # forecast: completions to reach target


class Finding(Base):
    """One row per record behind a data-quality finding of a load (kpis.md, "Nothing
    silently dropped"): kind (Danish, `monitoring.obligations.context.FINDING_KINDS`), code (the paragraph, benefit code
    or caseworker id the finding is about) and the record's id (measure, case,
    follow-up, investigation or application)."""

    __tablename__ = "findings"
    finding_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(100))
    record_id: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[str | None] = mapped_column(String(64))  # the record's case (scope)


class StoreMeta(Base):
    """Small facts about the store, one row per key (e.g. `history_rules`: the
    fingerprint of the rules the stored month-end history was computed by)."""

    __tablename__ = "store_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


Index("ix_findings_run_kind_code", Finding.run_id, Finding.kind, Finding.code)
Index("ix_kpi_results_lookup", KpiResult.kind, KpiResult.level, KpiResult.kpi, KpiResult.as_of)
Index("ix_obligations_filter", Obligation.center, Obligation.status, Obligation.due_on)
# web app (store/queries.py): calendar/status ranges, status counts per kind, filter options
Index(
    "ix_obligations_status_due",
    Obligation.status,
    Obligation.due_on,
    Obligation.kind,
    Obligation.center,
    Obligation.team,
)
Index("ix_obligations_kind_status", Obligation.kind, Obligation.status, Obligation.center)
Index("ix_obligations_org", Obligation.center, Obligation.team, Obligation.caseworker_id)
Index(
    "ix_obligations_default_order",
    Obligation.status,
    Obligation.days_overdue.desc(),
    Obligation.due_on,
    Obligation.obligation_id,
)


# --- access --------------------------------------------------------------------
class User(Base):
    """One row per user of the web app (local or OpenID Connect).

    role: a `vocab.Role`. center/team/caseworker_id: what the role is about (a
    centerchef's center, a teamleder's center and team, a sagsbehandler's caseworker
    id, center and team). password_hash: argon2 (local users only). disabled: may not
    log in; an open session ends at its next request.
    """

    __tablename__ = "users"
    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    center: Mapped[str | None] = mapped_column(String(16))
    team: Mapped[str | None] = mapped_column(String(100))
    caseworker_id: Mapped[str | None] = mapped_column(String(64))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(8), default="local")  # local | oidc
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=False))
    # a session started before this is over (logout ends the user's sessions everywhere)
    sessions_after: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=False))


class AuditEvent(Base):
    """One row per audited action: append-only (triggers refuse UPDATE and DELETE; on
    PostgreSQL the app's role also has no UPDATE/DELETE grant, docs/deployment.md).

    action: a `vocab.AuditAction`; detail: JSON of what was asked (filter, export
    format, ...), CPR-masked; case_ids: the cases shown, exported or revealed.
    """

    __tablename__ = "audit_log"
    event_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=False), index=True)
    username: Mapped[str | None] = mapped_column(String(100), index=True)
    role: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))
    page: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    row_count: Mapped[int | None] = mapped_column(Integer)
    case_ids: Mapped[list[str] | None] = mapped_column(JSON)
    address: Mapped[str | None] = mapped_column(String(64))


class LoginFailure(Base):
    """One row per failed login (the rate limit counts them per user and address)."""

    __tablename__ = "login_failures"
    failure_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=False), index=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
