"""Users, the audit log and failed logins in the store (issue 11): plain reads and writes.

What a role may see is `access.principal`; the web's use of these is
`components.auth`. The audit log is append-only: this module only inserts and reads it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Engine, delete, func, insert, or_, select, update

from store.frames import select_frame
from store.models import AuditEvent, LoginFailure, User

USER_COLUMNS = (
    "username",
    "role",
    "center",
    "team",
    "caseworker_id",
    "source",
    "disabled",
    "created_at",
)
AUDIT_COLUMNS = (
    "event_id",
    "at",
    "username",
    "role",
    "action",
    "page",
    "detail",
    "row_count",
    "case_ids",
    "address",
)


# ------------------------------------------------------------------------ users
def get_user(engine: Engine, username: str) -> dict[str, Any] | None:
    """One user as a dict (password hash included), or None."""
    with engine.connect() as conn:
        row = conn.execute(select(User.__table__).where(User.username == username)).mappings()
        first = row.first()
    return dict(first) if first is not None else None


def insert_user(engine: Engine, values: Mapping[str, Any]) -> None:
    with engine.begin() as conn:
        conn.execute(insert(User), [dict(values)])


def update_user(engine: Engine, username: str, values: Mapping[str, Any]) -> int:
    """Change a user's columns; returns the rows changed (0: no such user)."""
    with engine.begin() as conn:
        res = conn.execute(update(User).where(User.username == username).values(**values))
        return int(res.rowcount or 0)


def list_users(engine: Engine) -> pd.DataFrame:
    """Every user, one row each, by name (no password hashes)."""
    stmt = select(*[getattr(User, c) for c in USER_COLUMNS]).order_by(User.username)
    return select_frame(engine, stmt, USER_COLUMNS)


# -------------------------------------------------------------------- audit log
def append_audit(engine: Engine, row: Mapping[str, Any]) -> None:
    """Append one audit event (the log is never updated or deleted)."""
    with engine.begin() as conn:
        conn.execute(insert(AuditEvent), [dict(row)])


def search_audit(
    engine: Engine,
    *,
    since: dt.datetime | None = None,
    username: str | None = None,
    action: str | None = None,
    limit: int | None = 1000,
) -> pd.DataFrame:
    """Audit events, newest first, optionally from `since`, of a user, of an action."""
    a = AuditEvent
    stmt = select(*[getattr(a, c) for c in AUDIT_COLUMNS])
    if since is not None:
        stmt = stmt.where(a.at >= since)
    if username:
        stmt = stmt.where(a.username == username)
    if action:
        stmt = stmt.where(a.action == action)
    stmt = stmt.order_by(a.event_id.desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    return select_frame(engine, stmt, AUDIT_COLUMNS)


# ---------------------------------------------------------------- failed logins
def add_login_failure(engine: Engine, username: str, address: str, at: dt.datetime) -> None:
    with engine.begin() as conn:
        conn.execute(insert(LoginFailure), [{"at": at, "username": username, "address": address}])


def login_failures(
    engine: Engine, username: str, address: str, since: dt.datetime
) -> tuple[int, int]:
    """Failed logins since `since`: (for this user name, from this address)."""
    f = LoginFailure
    with engine.connect() as conn:
        by_user = conn.execute(
            select(func.count()).where(f.username == username, f.at >= since)
        ).scalar_one()
        by_address = conn.execute(
            select(func.count()).where(f.address == address, f.at >= since)
        ).scalar_one()
    return int(by_user), int(by_address)


def forget_login_failures(
    engine: Engine, before: dt.datetime, usernames: Sequence[str] = ()
) -> None:
    """Delete failures older than `before` (and every failure of `usernames`)."""
    f = LoginFailure
    with engine.begin() as conn:
        cond = f.at < before
        if usernames:
            cond = or_(cond, f.username.in_(list(usernames)))
        conn.execute(delete(f).where(cond))
