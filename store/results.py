"""Monitoring results in the store: obligations, KPI members and KPI results.

`refresh_monitoring` is called by the ETL inside its load transaction: it replaces
the obligations and KPI members with the new evaluation, stores the snapshot
results of the extract date (replacing an earlier snapshot of that date), replaces
the forecast, and stores the month-end history once if none exists yet (the ETL
starts that computation in a second process before it writes the extract:
`missing_history` + `start_history`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, Select, delete, func, select

from monitoring import evaluate_all, history, load_rules
from monitoring.background import HistoryJob
from monitoring.calendar import month_ends_before
from monitoring.rules import Rules
from store.db import bulk_insert, read_table, rebuild_table, replace_tables
from store.models import EtlRun, KpiMember, KpiResult, Obligation

HISTORY_MONTHS = 36
# The trend charts (Udvikling, the change since last month on Overblik) read the
# history per center and for the whole administration; team and caseworker
# figures exist for the latest snapshot and the forecast only.
HISTORY_LEVELS = ("all", "center")


def _with_run(results: pd.DataFrame, run_id: int | None) -> pd.DataFrame:
    out = results.copy()
    out["run_id"] = run_id
    out["value"] = out["value"].astype(object).where(out["value"].notna(), None)
    return out


class _Clock:
    """Seconds per named step."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._t = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = self.laps.get(name, 0.0) + now - self._t
        self._t = now


def missing_history(conn: Connection | Engine, as_of: dt.date) -> list[dt.date] | None:
    """The month-ends to compute when the store holds no history yet, else None."""
    stmt = select(func.count()).select_from(KpiResult).where(KpiResult.kind == "recomputed")
    n = _scalar(conn, stmt)
    return None if n else month_ends_before(as_of, HISTORY_MONTHS)


def _scalar(conn: Connection | Engine, stmt: Select[Any]) -> Any:
    """The single value a statement selects (None if no row), on a connection or engine."""
    if isinstance(conn, Engine):
        with conn.connect() as c:
            return c.execute(stmt).scalar_one_or_none()
    return conn.execute(stmt).scalar_one_or_none()


def start_history(
    data: Mapping[str, pd.DataFrame], month_ends: list[dt.date], background: bool | None = None
) -> HistoryJob:
    """Start computing the stored history (levels all and center) for `refresh_monitoring`."""
    return HistoryJob(data, month_ends, load_rules(), HISTORY_LEVELS, background)


def refresh_monitoring(
    conn: Connection,
    data: Mapping[str, pd.DataFrame],
    as_of: dt.date,
    run_id: int,
    history_job: HistoryJob | None = None,
) -> dict[str, float]:
    """Recompute and store obligations, KPI members and the KPI snapshot for `as_of`.

    Inside the caller's transaction: obligations and members are replaced, the
    snapshot of `as_of` replaces an earlier one of the same date, the forecast is
    replaced, and the month-end history is stored once (when none exists yet):
    from `history_job` when the caller started one, else computed here.
    Returns the seconds each step took.
    """
    clock = _Clock()
    rules = load_rules()
    ends = None if history_job is not None else missing_history(conn, as_of)
    mon = evaluate_all(
        data,
        as_of,
        rules,
        forecast_months=3,
        history_month_ends=ends,
        history_levels=HISTORY_LEVELS,
    )
    ev = mon.evaluation
    clock.lap("evaluate")
    replace_tables(conn, {KpiMember: ev.members})
    # the snapshot of this date is replaced; any dated after it (and history month-ends
    # after it) came from newer data that this load replaces (etl load --allow-older)
    conn.execute(
        delete(KpiResult).where(
            KpiResult.kind.in_(("snapshot", "recomputed")), KpiResult.as_of > as_of
        )
    )
    conn.execute(delete(KpiResult).where(KpiResult.kind == "snapshot", KpiResult.as_of == as_of))
    bulk_insert(conn, KpiResult, _with_run(ev.results, run_id))
    conn.execute(delete(KpiResult).where(KpiResult.kind == "forecast"))
    bulk_insert(conn, KpiResult, _with_run(mon.forecast, run_id))
    clock.lap("write_results")
    hist = history_job.result() if history_job is not None else mon.history
    clock.lap("history_wait")
    if hist is not None:
        conn.execute(delete(KpiResult).where(KpiResult.kind == "recomputed"))
        bulk_insert(conn, KpiResult, _with_run(hist, run_id))
    # last: on PostgreSQL its swap locks out readers of obligations until the commit
    rebuild_table(conn, Obligation, ev.obligations)
    clock.lap("write_obligations")
    return clock.laps


def data_as_of(data: Mapping[str, pd.DataFrame]) -> dt.date:
    """The newest date in the data (an extract has no date after its extract date)."""
    newest: pd.Timestamp | None = None
    for df in data.values():
        for col in df.columns:
            if pd.api.types.is_datetime64_any_dtype(df[col]) and df[col].notna().any():
                m = df[col].max()
                newest = m if newest is None or m > newest else newest
    return (newest or pd.Timestamp.today()).date()


def backfill(
    conn: Connection,
    data: Mapping[str, pd.DataFrame],
    months: int = HISTORY_MONTHS,
    *,
    as_of: dt.date | None = None,
    rules: Rules | None = None,
    run_id: int | None = None,
) -> int:
    """Recompute the KPI history (kind recomputed, levels all and center) at the
    `months` month-ends on or before `as_of` (default: the newest date in the data),
    replacing the old history.
    Returns the number of result rows written."""
    as_of = as_of or data_as_of(data)
    hist = history(data, month_ends_before(as_of, months), rules or load_rules(), HISTORY_LEVELS)
    conn.execute(delete(KpiResult).where(KpiResult.kind == "recomputed"))
    return bulk_insert(conn, KpiResult, _with_run(hist, run_id))


# ------------------------------------------------------------------------ reads
def read_results(
    conn: Connection | Engine,
    kind: str | None = None,
    level: str | None = None,
    as_of: dt.date | None = None,
) -> pd.DataFrame:
    """KPI result rows, optionally filtered by kind, level and date."""
    stmt = select(KpiResult)
    if kind is not None:
        stmt = stmt.where(KpiResult.kind == kind)
    if level is not None:
        stmt = stmt.where(KpiResult.level == level)
    if as_of is not None:
        stmt = stmt.where(KpiResult.as_of == as_of)
    df = pd.read_sql(stmt.order_by(KpiResult.as_of, KpiResult.kpi), conn)
    df["as_of"] = pd.to_datetime(df["as_of"]).astype("datetime64[ns]")
    return df


def read_obligations(conn: Connection | Engine) -> pd.DataFrame:
    """The stored obligations (of the latest load)."""
    return read_table(conn, Obligation)


def read_members(conn: Connection | Engine) -> pd.DataFrame:
    """The stored KPI members (of the latest load)."""
    return read_table(conn, KpiMember)


def latest_extract_date(conn: Connection | Engine) -> dt.date | None:
    """The extract date of the newest loaded ETL run, if any."""
    stmt = (
        select(EtlRun.extract_date)
        .where(EtlRun.status == "loaded", EtlRun.extract_date.is_not(None))
        .order_by(EtlRun.run_id.desc())
        .limit(1)
    )
    return _scalar(conn, stmt)
