"""Complaints and review campaigns (Klager): counts per month, and what is left to review.

Complaints and reviews hang on cases, so the viewer's scope is the cases'
(`store.scope.cases_where`).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Engine, case, func, select

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
