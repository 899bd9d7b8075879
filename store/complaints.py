"""Complaints and review campaigns (Klager): counts per month, and what is left to review.

Complaints and reviews hang on cases, so the viewer's scope is the cases'
(`store.scope.cases_where`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, case, func, or_, select

from store.frames import select_frame
from store.models import Case, Complaint, Review
from store.scope import Scope, cases_where

# `klager.udfald` values where the complainant was (partly) proved right.
UPHELD_OUTCOMES = ("medhold", "delvist")
NO_PARAGRAPH = "(uden paragraf)"  # a complaint's paragraph when the extract has none


def complaints_per_month(
    engine: Engine, scope: Scope, start: dt.date | None = None, center: str | None = None
) -> pd.DataFrame:
    """Complaints received, one row per month, center, type and paragraph.

    Columns: month (first day, datetime), center, complaint_type, paragraph
    (`NO_PARAGRAPH` for none), n, decided, upheld (outcome in `UPHELD_OUTCOMES`).
    """
    c = Complaint
    stmt = (
        select(
            c.received_on,
            Case.center,
            c.complaint_type,
            c.paragraph,
            func.count(),
            func.count(c.decided_on),
            func.sum(case((c.outcome.in_(UPHELD_OUTCOMES), 1), else_=0)),
        )
        .join(Case, Case.case_id == c.case_id)
        .where(*cases_where(scope))
        .group_by(c.received_on, Case.center, c.complaint_type, c.paragraph)
    )
    if start is not None:
        stmt = stmt.where(c.received_on >= start)
    if center:
        stmt = stmt.where(Case.center == center)
    cols = ["received_on", "center", "complaint_type", "paragraph", "n", "decided", "upheld"]
    df = select_frame(engine, stmt, cols)
    df["month"] = pd.to_datetime(df["received_on"]).dt.to_period("M").dt.to_timestamp()
    df["paragraph"] = df["paragraph"].fillna(NO_PARAGRAPH)
    for k in ("n", "decided", "upheld"):
        df[k] = pd.to_numeric(df[k]).fillna(0).astype("int64")
    keys = ["month", "center", "complaint_type", "paragraph"]
    return df.groupby(keys, as_index=False)[["n", "decided", "upheld"]].sum()


@dataclass(frozen=True)
class ComplaintFilter:
    """Which complaints a number on Klager stands for: received from `start`, of a
    center, paragraph (`NO_PARAGRAPH` for none), type, and upheld or not."""

    start: dt.date | None = None
    center: str | None = None
    paragraph: str | None = None
    complaint_type: str | None = None
    upheld: bool | None = None


COMPLAINT_COLUMNS = [
    "complaint_id",
    "case_id",
    "center",
    "paragraph",
    "complaint_type",
    "received_on",
    "decided_on",
    "outcome",
]


def complaint_rows(
    engine: Engine, scope: Scope, flt: ComplaintFilter, limit: int = 200
) -> tuple[int, pd.DataFrame]:
    """The complaints behind a number: how many, and the newest `limit` of them (one
    row per complaint, COMPLAINT_COLUMNS)."""
    c = Complaint
    where = [*cases_where(scope)]
    if flt.start is not None:
        where.append(c.received_on >= flt.start)
    if flt.center:
        where.append(Case.center == flt.center)
    if flt.paragraph == NO_PARAGRAPH:
        where.append(c.paragraph.is_(None))
    elif flt.paragraph:
        where.append(c.paragraph == flt.paragraph)
    if flt.complaint_type:
        where.append(c.complaint_type == flt.complaint_type)
    if flt.upheld is True:
        where.append(c.outcome.in_(UPHELD_OUTCOMES))
    elif flt.upheld is False:
        where.append(or_(c.outcome.is_(None), c.outcome.not_in(UPHELD_OUTCOMES)))
    joined = select(func.count()).select_from(c).join(Case, Case.case_id == c.case_id)
    with engine.connect() as conn:
        n = int(conn.execute(joined.where(*where)).scalar_one())
    stmt = (
        select(
            c.complaint_id,
            c.case_id,
            Case.center,
            c.paragraph,
            c.complaint_type,
            c.received_on,
            c.decided_on,
            c.outcome,
        )
        .join(Case, Case.case_id == c.case_id)
        .where(*where)
        .order_by(c.received_on.desc(), c.complaint_id)
        .limit(limit)
    )
    return n, select_frame(engine, stmt, COMPLAINT_COLUMNS)


def review_campaigns(engine: Engine, scope: Scope) -> list[str]:
    """Names of the review campaigns with cases in the scope, sorted."""
    stmt = (
        select(Review.campaign)
        .join(Case, Case.case_id == Review.case_id)
        .where(*cases_where(scope))
        .group_by(Review.campaign)
        .order_by(Review.campaign)
    )
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(stmt)]


def campaign_periods(engine: Engine, scope: Scope) -> pd.DataFrame:
    """The review campaigns with cases in the scope and the period of their reviews:
    one row per campaign (campaign, first, last: the first and last review date; empty
    while nothing is reviewed)."""
    stmt = (
        select(Review.campaign, func.min(Review.reviewed_on), func.max(Review.reviewed_on))
        .join(Case, Case.case_id == Review.case_id)
        .where(*cases_where(scope))
        .group_by(Review.campaign)
        .order_by(Review.campaign)
    )
    return select_frame(engine, stmt, ["campaign", "first", "last"])


def review_burndown(engine: Engine, scope: Scope, campaign: str) -> pd.DataFrame:
    """Cases left to review, one row per review date: the campaign's cases minus
    those reviewed by then.

    Columns: date (datetime), remaining. The first row is the day before the
    first review with every case remaining; empty for a campaign without cases.
    """
    stmt = (
        select(Review.reviewed_on, func.count())
        .join(Case, Case.case_id == Review.case_id)
        .where(Review.campaign == campaign, *cases_where(scope))
        .group_by(Review.reviewed_on)
    )
    df = select_frame(engine, stmt, ["date", "n"])
    if df.empty:
        return pd.DataFrame({"date": pd.Series(dtype="datetime64[ns]"), "remaining": []})
    total = int(df["n"].sum())
    done = df.dropna(subset=["date"]).copy()
    done["date"] = pd.to_datetime(done["date"])
    done = done.sort_values("date")
    done["remaining"] = total - done["n"].cumsum()
    first = done["date"].min() - pd.Timedelta(days=1) if not done.empty else pd.Timestamp.today()
    head = pd.DataFrame({"date": [first], "remaining": [total]})
    out = pd.concat([head, done[["date", "remaining"]]], ignore_index=True)
    out["remaining"] = out["remaining"].astype("int64")
    return out
