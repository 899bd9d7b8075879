"""Monitoring results in the store: obligations, KPI members and KPI results.

Plain writes and reads; what is computed, and when, is the jobs' business
(`jobs.refresh`). A load writes, inside its transaction: the snapshot of its
extract date with the KPI members and the forecast (`write_snapshot`), the
month-end history when it computed one (`write_history`), and last the
obligations (`write_obligations`).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Connection, Engine, delete, func, select

from store.db import bulk_insert, read_table, rebuild_table, replace_tables
from store.models import Finding, KpiMember, KpiResult, Obligation, StoreMeta
from vocab import ResultKind


def _with_run(results: pd.DataFrame, run_id: int | None) -> pd.DataFrame:
    out = results.copy()
    out["run_id"] = run_id
    out["value"] = out["value"].astype(object).where(out["value"].notna(), None)
    return out


# ----------------------------------------------------------------------- writes
def write_snapshot(
    conn: Connection,
    members: pd.DataFrame,
    results: pd.DataFrame,
    forecast: pd.DataFrame,
    as_of: dt.date,
    run_id: int | None,
) -> None:
    """Store one evaluation at `as_of`, in the caller's transaction.

    `members` (one row per KPI per counted unit) replace the stored members;
    `results` (kind snapshot, one row per KPI per scope) replace an earlier
    snapshot of `as_of`, and every snapshot or history month-end dated after
    `as_of` is removed (it came from newer data that this load replaces: `etl
    load --allow-older`); `forecast` (one row per KPI per scope per month-end
    ahead) replaces the stored forecast.
    """
    replace_tables(conn, {KpiMember: members})
    conn.execute(
        delete(KpiResult).where(
            KpiResult.kind.in_((ResultKind.SNAPSHOT, ResultKind.RECOMPUTED)),
            KpiResult.as_of > as_of,
        )
    )
    conn.execute(
        delete(KpiResult).where(KpiResult.kind == ResultKind.SNAPSHOT, KpiResult.as_of == as_of)
    )
    bulk_insert(conn, KpiResult, _with_run(results, run_id))
    conn.execute(delete(KpiResult).where(KpiResult.kind == ResultKind.FORECAST))
    bulk_insert(conn, KpiResult, _with_run(forecast, run_id))


def write_history(conn: Connection, history: pd.DataFrame, run_id: int | None) -> int:
    """Replace the stored month-end history (kind recomputed, one row per KPI per
    scope per month-end) in the caller's transaction. Returns the rows written."""
    conn.execute(delete(KpiResult).where(KpiResult.kind == ResultKind.RECOMPUTED))
    return bulk_insert(conn, KpiResult, _with_run(history, run_id))


HISTORY_RULES_KEY = "history_rules"


HISTORY_STAMP_KEY = "history_written_at"


def write_history_rules(conn: Connection, fingerprint: str) -> None:
    """Record which rules the stored history was computed by (`has_history` compares),
    and when it was written (`history_stamp`: the web's cache keys change with it)."""
    stamp = dt.datetime.now().isoformat(timespec="microseconds")
    conn.execute(delete(StoreMeta).where(StoreMeta.key.in_((HISTORY_RULES_KEY, HISTORY_STAMP_KEY))))
    conn.execute(
        StoreMeta.__table__.insert(),
        [
            {"key": HISTORY_RULES_KEY, "value": fingerprint},
            {"key": HISTORY_STAMP_KEY, "value": stamp},
        ],
    )


def history_stamp(conn: Connection | Engine) -> str | None:
    """When the month-end history was last written (None: never, or an older store)."""
    stmt = select(StoreMeta.value).where(StoreMeta.key == HISTORY_STAMP_KEY)
    if isinstance(conn, Engine):
        with conn.connect() as c:
            return c.execute(stmt).scalar_one_or_none()
    return conn.execute(stmt).scalar_one_or_none()


def write_findings(conn: Connection, records: pd.DataFrame, run_id: int) -> int:
    """Store a load's data-quality findings (one row per record behind a finding:
    kind, code, record_id, case_id) under its run, in the caller's transaction."""
    conn.execute(delete(Finding).where(Finding.run_id == run_id))
    return bulk_insert(conn, Finding, records.assign(run_id=run_id))


def write_obligations(conn: Connection, obligations: pd.DataFrame) -> int:
    """Replace the stored obligations (one row per obligation) in the caller's transaction.

    Write them last: on PostgreSQL the rebuilt table's swap locks out its readers
    until the commit.
    """
    return rebuild_table(conn, Obligation, obligations)


# ------------------------------------------------------------------------ reads
def has_history(conn: Connection | Engine, fingerprint: str | None = None) -> bool:
    """Whether the store holds a month-end history (any KPI result of kind recomputed);
    with `fingerprint`, one computed by those rules (a store upgraded from an older
    engine or given new rules has to recompute it)."""
    if isinstance(conn, Engine):
        with conn.connect() as c:
            return has_history(c, fingerprint)
    stmt = (
        select(func.count()).select_from(KpiResult).where(KpiResult.kind == ResultKind.RECOMPUTED)
    )
    if not conn.execute(stmt).scalar_one():
        return False
    if fingerprint is None:
        return True
    stored = conn.execute(
        select(StoreMeta.value).where(StoreMeta.key == HISTORY_RULES_KEY)
    ).scalar_one_or_none()
    return stored == fingerprint


def read_results(
    conn: Connection | Engine,
    kind: str | None = None,
    level: str | None = None,
    as_of: dt.date | None = None,
) -> pd.DataFrame:
    """KPI result rows (one per KPI per scope per date), optionally filtered by kind,
    level and date."""
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
    """The stored obligations of the current load, one row per obligation."""
    return read_table(conn, Obligation)


def read_members(conn: Connection | Engine) -> pd.DataFrame:
    """The stored KPI members of the current load, one row per KPI per counted unit."""
    return read_table(conn, KpiMember)
