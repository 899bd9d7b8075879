"""Users: add, list, disable, log in (with the failed-login limit), the demo users."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, func, select

import settings
from access import audit
from access.passwords import hash_password, verify_password
from access.principal import Principal, validate
from store import access as store_access
from store.models import Obligation
from vocab import UNASSIGNED, AuditAction, Role, Status


class UserError(ValueError):
    """A user command that cannot be done (message for the operator)."""


def add_user(
    engine: Engine,
    username: str,
    role: str,
    password: str | None,
    *,
    center: str | None = None,
    team: str | None = None,
    caseworker_id: str | None = None,
    source: str = "local",
    by: str | None = None,
) -> Principal:
    """Create a user (a local user needs a password); audited as a user change."""
    username = username.strip()
    if not username or len(username) > 100:
        raise UserError("a user name has 1 to 100 characters")
    problem = validate(role, center, team, caseworker_id)
    if problem:
        raise UserError(problem)
    if store_access.get_user(engine, username) is not None:
        raise UserError(f"user {username!r} exists")
    if source == "local" and not password:
        raise UserError("a local user needs a password")
    try:
        hashed = hash_password(password) if password else None
    except ValueError as exc:
        raise UserError(str(exc)) from None
    store_access.insert_user(
        engine,
        {
            "username": username,
            "role": role,
            "center": center or None,
            "team": team or None,
            "caseworker_id": caseworker_id or None,
            "password_hash": hashed,
            "source": source,
            "disabled": False,
            "created_at": dt.datetime.now(),
        },
    )
    audit.record(
        engine,
        user=by,
        action=AuditAction.USER_CHANGE,
        detail={
            "change": "add",
            "user": username,
            "role": role,
            "center": center,
            "team": team,
            "caseworker_id": caseworker_id,
        },
    )
    return Principal(username, Role(role), center or None, team or None, caseworker_id or None)


def _change(
    engine: Engine, username: str, values: dict[str, object], change: str, by: str | None
) -> None:
    """Change a user's row, audited as a user change; UserError when there is none."""
    if not store_access.update_user(engine, username, values):
        raise UserError(f"no user {username!r}")
    audit.record(
        engine,
        user=by,
        action=AuditAction.USER_CHANGE,
        detail={"change": change, "user": username},
    )


def disable_user(engine: Engine, username: str, *, by: str | None = None) -> None:
    _change(engine, username, {"disabled": True}, "disable", by)


def set_password(engine: Engine, username: str, password: str, *, by: str | None = None) -> None:
    try:
        hashed = hash_password(password)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    _change(engine, username, {"password_hash": hashed, "disabled": False}, "password", by)


def end_sessions(engine: Engine, username: str, at: dt.datetime | None = None) -> None:
    """Logout: every session of the user that began before now is over, on every
    machine, whatever cookie a browser still sends."""
    store_access.update_user(engine, username, {"sessions_after": at or dt.datetime.now()})


def list_users(engine: Engine) -> pd.DataFrame:
    return store_access.list_users(engine)


def principal(
    engine: Engine, username: str, logged_in_at: dt.datetime | None = None
) -> Principal | None:
    """The user behind a session, or None when unknown, disabled, or logged out since
    the session began (`logged_in_at` before the user's `sessions_after`)."""
    row = store_access.get_user(engine, username)
    if row is None or row["disabled"]:
        return None
    ended = row.get("sessions_after")
    if logged_in_at is not None and ended is not None and logged_in_at < ended:
        return None
    try:
        return Principal.from_row(row)
    except ValueError:
        return None


# ------------------------------------------------------------------------ login
@dataclass(frozen=True)
class LoginResult:
    principal: Principal | None
    blocked: bool = False  # too many failures: HTTP 429, the password was not checked


def log_in(
    engine: Engine, username: str, password: str, address: str, now: dt.datetime | None = None
) -> LoginResult:
    """Check a local login. Failures count per user name and per address; after
    LOGIN_MAX_FAILURES within LOGIN_WINDOW_MINUTES further attempts are blocked
    without checking the password. Logins and failed logins are audited."""
    now = now or dt.datetime.now()
    username = username.strip()[:100]
    window = dt.timedelta(minutes=settings.LOGIN_WINDOW_MINUTES.get())
    limit = settings.LOGIN_MAX_FAILURES.get()
    by_user, by_address = store_access.login_failures(engine, username, address, now - window)
    if by_user >= limit or by_address >= limit:
        audit.record(
            engine,
            user=username,
            action=AuditAction.LOGIN_FAILED,
            detail={"reason": "rate-limited"},
            address=address,
        )
        return LoginResult(None, blocked=True)
    row = store_access.get_user(engine, username)
    ok = verify_password(row["password_hash"] if row else None, password)
    if not ok or row is None or row["disabled"] or row["source"] != "local":
        store_access.add_login_failure(engine, username, address, now)
        audit.record(
            engine,
            user=username,
            action=AuditAction.LOGIN_FAILED,
            detail={"reason": "disabled" if ok and row and row["disabled"] else "password"},
            address=address,
        )
        return LoginResult(None)
    store_access.forget_login_failures(engine, now - window, [username])
    who = Principal.from_row(row)
    audit.record(
        engine, user=who.username, role=who.role, action=AuditAction.LOGIN, address=address
    )
    return LoginResult(who)


# ------------------------------------------------------------------- demo users
DEMO_USERS: tuple[tuple[str, Role], ...] = (
    ("sagsbehandler", Role.CASEWORKER),
    ("teamleder", Role.TEAM_LEAD),
    ("centerchef", Role.CENTER_CHIEF),
    ("direktion", Role.DIRECTORATE),
    ("admin", Role.ADMIN),
)


def _busiest_caseworker(engine: Engine) -> tuple[str | None, str | None, str | None]:
    """(caseworker id, center, team) of the caseworker with the most overdue obligations."""
    o = Obligation
    stmt = (
        select(o.caseworker_id, o.center, o.team, func.count().label("n"))
        .where(o.status == Status.OVERDUE, o.caseworker_id != UNASSIGNED)
        .group_by(o.caseworker_id, o.center, o.team)
        .order_by(func.count().desc(), o.caseworker_id)
        .limit(1)
    )
    with engine.connect() as conn:
        row = conn.execute(stmt).first()
    return (row[0], row[1], row[2]) if row else (None, None, None)


def demo_users(engine: Engine, reset: bool = False) -> tuple[list[Principal], str | None]:
    """One demo user per role, about the loaded data (a caseworker with overdue cases,
    their team and center). Returns the users and the new password when they were
    created (or `reset`), else None (existing users keep theirs)."""
    worker, center, team = _busiest_caseworker(engine)
    if worker is None:
        raise UserError("the demo users are about the loaded data: load an extract first")
    fields = {
        Role.CASEWORKER: {"center": center, "team": team, "caseworker_id": worker},
        Role.TEAM_LEAD: {"center": center, "team": team},
        Role.CENTER_CHIEF: {"center": center},
    }
    missing = [n for n, _ in DEMO_USERS if store_access.get_user(engine, n) is None]
    # one password for all of them: new when any is created (or on reset)
    password = secrets.token_urlsafe(12) if (missing or reset) else None
    users: list[Principal] = []
    for name, role in DEMO_USERS:
        extra = fields.get(role, {})
        if name in missing:
            users.append(add_user(engine, name, role, password, **extra, by="demo"))
            continue
        store_access.update_user(engine, name, {"role": str(role), **extra, "disabled": False})
        if password:
            set_password(engine, name, password, by="demo")
        users.append(principal(engine, name))  # type: ignore[arg-type]
    return users, password
