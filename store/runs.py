"""Run records: the `etl_runs` table and what hangs on it (problems, rejected rows).

Also the one function that decides which load the store shows: `current_as_of`.
Every page, query and command line takes its reference date from it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Engine, select

from store.models import EtlRun
from vocab import RunStatus


def as_date(value: Any) -> dt.date | None:
    """A date read from either store (SQLite may hand back text or a datetime)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def current_as_of(conn: Connection | Engine) -> dt.date | None:
    """The extract date of the current load: the newest run that loaded, or None.

    The stored obligations, KPI members, snapshot and forecast all belong to it.
    """
    stmt = (
        select(EtlRun.extract_date)
        .where(EtlRun.status == RunStatus.LOADED, EtlRun.extract_date.is_not(None))
        .order_by(EtlRun.run_id.desc())
        .limit(1)
    )
    if isinstance(conn, Engine):
        with conn.connect() as c:
            return as_date(c.execute(stmt).scalar_one_or_none())
    return as_date(conn.execute(stmt).scalar_one_or_none())
