"""The deadline calendar (Fristkalender) and status counts: obligations counted, not listed.

Open obligations (status open: not done, not yet overdue) counted per due date
or per due-date window, and every obligation counted per status
(Sagsbehandlingsfrister). Only the small aggregates leave the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
from sqlalchemy import Engine, case, func, select

from store.frames import select_frame
from store.models import Obligation
from store.scope import Scope
from vocab import Status

# What the open obligations may be counted by in `open_due_buckets`.
BUCKET_KEYS = ("kind", "team", "center")


def open_obligations_due(
    engine: Engine,
    scope: Scope,
    start: dt.date,
    end: dt.date,
    center: str | None = None,
) -> pd.DataFrame:
    """Open obligations due in [start, end], one row per due date, kind, center and
    team with their number. Columns: due_on (datetime), kind, center, team, n."""
    o = Obligation
    stmt = (
        select(o.due_on, o.kind, o.center, o.team, func.count())
        .where(
            o.status == Status.OPEN,
            o.due_on >= start,
            o.due_on <= end,
            *scope.where(o.center, o.caseworker_id, o.team),
        )
        .group_by(o.due_on, o.kind, o.center, o.team)
    )
    if center:
        stmt = stmt.where(o.center == center)
    df = select_frame(engine, stmt, ["due_on", "kind", "center", "team", "n"])
    df["due_on"] = pd.to_datetime(df["due_on"])
    df["n"] = df["n"].astype("int64")
    return df


def open_due_buckets(
    engine: Engine,
    scope: Scope,
    windows: Sequence[tuple[dt.date, dt.date]],
    by: str,
    center: str | None = None,
) -> pd.DataFrame:
    """Open obligations counted per `by` (one of `BUCKET_KEYS`) and due-date window.

    `windows` are consecutive (first, last) day pairs; the bucketing is a
    portable CASE in SQL. One row per value of `by` per window with any
    obligations. Columns: <by>, bucket (index into windows), n.
    """
    o = Obligation
    if by not in BUCKET_KEYS:
        raise ValueError(by)
    if not windows:
        return pd.DataFrame(columns=[by, "bucket", "n"])
    key = getattr(o, by)
    bucket = case(*[(o.due_on <= last, i) for i, (_first, last) in enumerate(windows)])
    stmt = (
        select(key, bucket.label("bucket"), func.count())
        .where(
            o.status == Status.OPEN,
            o.due_on >= windows[0][0],
            o.due_on <= windows[-1][1],
            *scope.where(o.center, o.caseworker_id, o.team),
        )
        .group_by(key, bucket)
    )
    if center:
        stmt = stmt.where(o.center == center)
    df = select_frame(engine, stmt, [by, "bucket", "n"])
    df["bucket"] = df["bucket"].astype("int64")
    df["n"] = df["n"].astype("int64")
    return df


def status_counts(engine: Engine, scope: Scope, kinds: Sequence[str] | None = None) -> pd.DataFrame:
    """Obligations (of `kinds`, default all), one row per center, kind and status with
    their number. Columns: center, kind, status, n."""
    o = Obligation
    stmt = select(o.center, o.kind, o.status, func.count()).where(
        *scope.where(o.center, o.caseworker_id, o.team)
    )
    if kinds:
        stmt = stmt.where(o.kind.in_(list(kinds)))
    stmt = stmt.group_by(o.center, o.kind, o.status)
    return select_frame(engine, stmt, ["center", "kind", "status", "n"])
