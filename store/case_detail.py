"""One case as its page shows it (/sag/<sag_id>): the case, its obligations and the
records of its history, read for a scope (a case outside the scope is not found)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, select

from cpr import mask_value
from store.frames import select_frame
from store.models import (
    ActionPlan,
    Application,
    Case,
    Complaint,
    Employee,
    FollowUp,
    Investigation,
    Measure,
    Obligation,
)
from store.scope import Scope


@dataclass(frozen=True)
class CaseDetail:
    """A case and what belongs to it.

    case: case_id, cpr (full only for a scope that may see it, else masked),
    target_group, center, team, caseworker_id, caseworker (name), opened_on,
    closed_on, acute. obligations: one row per obligation of the case (the stored
    columns), by due date. history: one row per dated event of the case's records
    (`case_history`), newest first.
    """

    case: dict[str, object]
    obligations: pd.DataFrame
    history: pd.DataFrame
    as_of: dt.date | None


# every stored column of an obligation
OBLIGATION_FIELDS = tuple(c.name for c in Obligation.__table__.columns)
HISTORY_COLUMNS = ["date", "event", "record_id", "code", "note", "next_due_on"]


def case_detail(engine: Engine, scope: Scope, case_id: str) -> CaseDetail | None:
    """The case with this id if the scope may see it (None: no such case, or not in
    the scope: the page says the same for both)."""
    c = Case
    cpr = c.cpr if scope.can_see_cpr else None
    stmt = (
        select(
            c.case_id,
            c.cpr,
            c.target_group,
            c.center,
            c.team,
            c.caseworker_id,
            Employee.name,
            c.opened_on,
            c.closed_on,
            c.acute,
        )
        .outerjoin(Employee, Employee.employee_id == c.caseworker_id)
        .where(c.case_id == case_id, *scope.where(c.center, c.caseworker_id, c.team))
    )
    o = Obligation
    with engine.connect() as conn:
        row = conn.execute(stmt.limit(1)).first()
        if row is None:
            return None
        masked = conn.execute(
            select(o.cpr_masked).where(o.case_id == case_id).limit(1)
        ).scalar_one_or_none()
    case = dict(
        zip(
            [
                "case_id",
                "cpr",
                "target_group",
                "center",
                "team",
                "caseworker_id",
                "caseworker",
                "opened_on",
                "closed_on",
                "acute",
            ],
            tuple(row),
            strict=True,
        )
    )
    if cpr is None:
        case["cpr"] = masked or mask_value(str(row.cpr))
    obligations = select_frame(
        engine,
        select(*(getattr(o, f) for f in OBLIGATION_FIELDS))
        .where(o.case_id == case_id)
        .order_by(o.due_on, o.obligation_id),
        list(OBLIGATION_FIELDS),
    )
    as_of = obligations["as_of"].iloc[0] if not obligations.empty else None
    return CaseDetail(case, obligations, case_history(engine, case_id), as_of)


def case_history(engine: Engine, case_id: str) -> pd.DataFrame:
    """Every dated event of the case's records: one row per event (a measure decided,
    started or ended, a plan made, revised or offered, a follow-up done, an
    investigation started or completed, an application received, decided or answered
    by letter, a complaint received or decided). Columns HISTORY_COLUMNS, newest first:
    date, event (a code: the page names it), record_id, code (paragraph, benefit or
    follow-up form), note (a measure's title, a complaint's outcome, "afslået" for a
    declined plan offer) and next_due_on (a follow-up's next deadline, set by the
    caseworker)."""
    events: list[tuple[object, ...]] = []

    def add(
        day: dt.date | None,
        event: str,
        record: str,
        code: str | None = None,
        note: str | None = None,
        next_due: dt.date | None = None,
    ) -> None:
        if day is not None:
            events.append((day, event, record, code or "", note or "", next_due))

    with engine.connect() as conn:
        for m in conn.execute(select(Measure).where(Measure.case_id == case_id)):
            add(m.decided_on, "measure_decided", m.measure_id, m.paragraph, m.title)
            add(m.start_on, "measure_started", m.measure_id, m.paragraph, m.title)
            add(m.end_on, "measure_ended", m.measure_id, m.paragraph, m.title)
        for p in conn.execute(select(ActionPlan).where(ActionPlan.case_id == case_id)):
            add(p.made_on, "plan_made", p.plan_id)
            add(p.revised_on, "plan_revised", p.plan_id)
            add(p.offered_on, "plan_offered", p.plan_id, note="afslået" if p.declined else None)
        for f in conn.execute(select(FollowUp).where(FollowUp.case_id == case_id)):
            about = f"foranstaltning {f.measure_id}" if f.measure_id else "hele sagen"
            add(f.done_on, "follow_up", f.follow_up_id, f.form, about, f.next_due_on)
        for i in conn.execute(select(Investigation).where(Investigation.case_id == case_id)):
            add(i.start_on, "investigation_started", i.investigation_id)
            add(i.completed_on, "investigation_completed", i.investigation_id)
        for a in conn.execute(select(Application).where(Application.case_id == case_id)):
            add(a.received_on, "application_received", a.application_id, a.benefit)
            add(a.decided_on, "application_decided", a.application_id, a.benefit)
            add(a.letter_sent_on, "letter_sent", a.application_id, a.benefit)
        for k in conn.execute(select(Complaint).where(Complaint.case_id == case_id)):
            add(k.received_on, "complaint_received", k.complaint_id, k.paragraph)
            add(k.decided_on, "complaint_decided", k.complaint_id, k.paragraph, k.outcome)
    history = pd.DataFrame(events, columns=HISTORY_COLUMNS)
    return history.sort_values(["date", "record_id"], ascending=[False, True]).reset_index(
        drop=True
    )
