"""KPI results for the pages: the current cards, the team table, the history.

Reads of `kpi_results` (one row per KPI per scope per date and kind): the
snapshot of the current load (`store.runs.current_as_of`) with the change since
the previous month-end (Overblik, Sagsbehandlingsfrister), the same per team,
and the history per center with its forecast (Udvikling). Nothing is computed
here beyond choosing rows; the figures are the monitoring's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
from sqlalchemy import ColumnElement, Engine, and_, func, or_, select

from store.frames import select_frame
from store.models import KpiResult
from store.runs import current_as_of
from store.scope import Scope, kpi_results_where
from vocab import ALL_CENTERS, Level, ResultKind

# How far back the previous month-end's figure may lie (a month-end recomputed late).
PREVIOUS_WITHIN = dt.timedelta(days=62)


def _month_end_before(day: dt.date) -> dt.date:
    """The last day of the month before `day`'s month."""
    return day.replace(day=1) - dt.timedelta(days=1)


def kpi_overview(engine: Engine, scope: Scope, level: Level | str = Level.CENTER) -> pd.DataFrame:
    """The current load's KPI snapshot, one row per KPI per center (`ALL_CENTERS` for
    level all), with the figure at the previous month-end.

    Columns: kpi, center, numerator, denominator, value, target, as_of,
    prev_value, prev_as_of (the newest recomputed or snapshot result on or
    before the end of the month before the current load's; on the same date the
    recomputed figure wins).
    """
    cols = ["kpi", "center", "numerator", "denominator", "value", "target", "as_of"]
    out_cols = [*cols, "prev_value", "prev_as_of"]
    as_of = current_as_of(engine)
    if as_of is None:
        return pd.DataFrame(columns=out_cols)
    where = kpi_results_where(scope, level)
    current = select_frame(
        engine,
        select(
            KpiResult.kpi,
            KpiResult.center,
            func.sum(KpiResult.numerator),
            func.sum(KpiResult.denominator),
            func.max(KpiResult.value),
            func.max(KpiResult.target),
            func.max(KpiResult.as_of),
        )
        .where(KpiResult.kind == ResultKind.SNAPSHOT, KpiResult.as_of == as_of, *where)
        .group_by(KpiResult.kpi, KpiResult.center),
        cols,
    )
    if current.empty:
        return pd.DataFrame(columns=out_cols)
    month_end = _month_end_before(as_of)
    previous = select_frame(
        engine,
        select(KpiResult.kpi, KpiResult.center, KpiResult.as_of, KpiResult.kind, KpiResult.value)
        .where(
            KpiResult.kind.in_((ResultKind.SNAPSHOT, ResultKind.RECOMPUTED)),
            KpiResult.as_of <= month_end,
            KpiResult.as_of > month_end - PREVIOUS_WITHIN,
            *where,
        )
        .order_by(KpiResult.as_of),
        ["kpi", "center", "prev_as_of", "kind", "prev_value"],
    )
    if not previous.empty:
        # newest date wins; on the same date prefer the recomputed figure
        previous["rank"] = (previous["kind"] == ResultKind.RECOMPUTED).astype(int)
        previous = previous.sort_values(["prev_as_of", "rank"]).groupby(["kpi", "center"]).tail(1)
        current = current.merge(previous[["kpi", "center", "prev_value", "prev_as_of"]], how="left")
    else:
        current["prev_value"] = None
        current["prev_as_of"] = None
    return current.sort_values(["kpi", "center"]).reset_index(drop=True)[out_cols]


def team_table(engine: Engine, scope: Scope, center: str | None = None) -> pd.DataFrame:
    """The current load's snapshot, one row per team per KPI, worst first (furthest
    below target; KPIs without cases last).

    Columns: kpi, center, team, numerator, denominator, value, target.
    """
    cols = ["kpi", "center", "team", "numerator", "denominator", "value", "target"]
    as_of = current_as_of(engine)
    if as_of is None:
        return pd.DataFrame(columns=cols)
    stmt = select(
        KpiResult.kpi,
        KpiResult.center,
        KpiResult.team,
        KpiResult.numerator,
        KpiResult.denominator,
        KpiResult.value,
        KpiResult.target,
    ).where(
        KpiResult.kind == ResultKind.SNAPSHOT,
        KpiResult.as_of == as_of,
        *kpi_results_where(scope, Level.TEAM),
    )
    if center:
        stmt = stmt.where(KpiResult.center == center)
    df = select_frame(engine, stmt, cols)
    df["gap"] = df["value"].astype("Float64") - df["target"].astype("Float64")
    df = df.sort_values(["gap", "kpi", "team"], na_position="last").drop(columns="gap")
    return df.reset_index(drop=True)


def kpi_trend(
    engine: Engine,
    scope: Scope,
    kpis: Sequence[str] | None = None,
    centers: Sequence[str] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    """KPI history, one row per KPI per center per date and kind: snapshots,
    recomputed month-ends and forecasts, between `start` and `end`.

    `centers` may include `ALL_CENTERS` (the whole administration, level all),
    which only an unrestricted scope sees. Columns: as_of (datetime), kind, kpi,
    center, numerator, denominator, value, target.
    """
    cols = ["as_of", "kind", "kpi", "center", "numerator", "denominator", "value", "target"]
    wanted = list(centers) if centers else None
    levels: list[ColumnElement] = []
    if wanted is None or any(c != ALL_CENTERS for c in wanted):
        per_center = kpi_results_where(scope, Level.CENTER)
        named = [c for c in (wanted or []) if c != ALL_CENTERS]
        if named:
            per_center.append(KpiResult.center.in_(named))
        levels.append(and_(*per_center))
    whole = scope.is_everything
    if (wanted is None or ALL_CENTERS in wanted) and whole:
        levels.append(KpiResult.level == Level.ALL)
    if not levels:
        return pd.DataFrame(columns=cols)
    stmt = select(
        KpiResult.as_of,
        KpiResult.kind,
        KpiResult.kpi,
        KpiResult.center,
        KpiResult.numerator,
        KpiResult.denominator,
        KpiResult.value,
        KpiResult.target,
    ).where(or_(*levels))
    if kpis:
        stmt = stmt.where(KpiResult.kpi.in_(list(kpis)))
    if start is not None:
        stmt = stmt.where(KpiResult.as_of >= start)
    if end is not None:
        stmt = stmt.where(KpiResult.as_of <= end)
    df = select_frame(engine, stmt.order_by(KpiResult.kpi, KpiResult.center, KpiResult.as_of), cols)
    df["as_of"] = pd.to_datetime(df["as_of"])
    return df
