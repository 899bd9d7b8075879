"""The monitoring results a load (or a backfill) stores: computed here, written by store.

After the extract is written, the load evaluates it at its extract date
(`evaluate`: obligations, KPI members and results, the three-month forecast)
and writes the results (`write_results`). The first load into a store also
needs the month-end history (three years, per center and overall, for the
trend charts): `start_history` computes it in a second process while the
extract is written, and `write_results` collects it. `backfill` recomputes the
history on demand.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping

import pandas as pd
from sqlalchemy import Connection, Engine

from monitoring import Monitoring, evaluate_all, history, load_rules
from monitoring.background import HistoryJob
from monitoring.calendar import month_ends_before
from monitoring.findings import finding_records
from monitoring.rules import Rules, rules_fingerprint
from store import results
from vocab import Level

HISTORY_MONTHS = 36
# The trend charts (Udvikling, the change since last month on Overblik) read the
# history per center and for the whole administration; team and caseworker
# figures exist for the latest snapshot and the forecast only.
HISTORY_LEVELS = (Level.ALL, Level.CENTER)
FORECAST_MONTHS = 3


class Clock:
    """Seconds per named step (`lap` adds the time since the previous lap)."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._t = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = self.laps.get(name, 0.0) + now - self._t
        self._t = now


def missing_history(conn: Connection | Engine, as_of: dt.date) -> list[dt.date] | None:
    """The month-ends to compute when the store holds no history by the rules in force
    (a first load, or the first after an upgrade of the engine or of rules.yaml), else None."""
    if results.has_history(conn, rules_fingerprint(load_rules())):
        return None
    return month_ends_before(as_of, HISTORY_MONTHS)


def start_history(
    data: Mapping[str, pd.DataFrame], month_ends: list[dt.date], background: bool | None = None
) -> HistoryJob:
    """Start computing the history to store (levels all and center) at `month_ends`."""
    return HistoryJob(data, month_ends, load_rules(), HISTORY_LEVELS, background)


def start_history_if_missing(
    engine: Engine, data: Mapping[str, pd.DataFrame], as_of: dt.date
) -> HistoryJob | None:
    """Start the history computation when the store has none yet (a first load), else None."""
    month_ends = missing_history(engine, as_of)
    return start_history(data, month_ends) if month_ends else None


def evaluate(
    data: Mapping[str, pd.DataFrame],
    as_of: dt.date,
    history_month_ends: list[dt.date] | None = None,
) -> Monitoring:
    """Everything a load stores, computed from the loaded data at its extract date:
    obligations, KPI members and results, the forecast, and the history at
    `history_month_ends` (when given)."""
    return evaluate_all(
        data,
        as_of,
        load_rules(),
        forecast_months=FORECAST_MONTHS,
        history_month_ends=history_month_ends,
        history_levels=HISTORY_LEVELS,
    )


def write_results(
    conn: Connection,
    monitoring: Monitoring,
    as_of: dt.date,
    run_id: int,
    history_job: HistoryJob | None = None,
    data: Mapping[str, pd.DataFrame] | None = None,
) -> dict[str, float]:
    """Store an evaluation in the caller's transaction: snapshot, members and forecast,
    the findings (their records looked up in `data`, the evaluated tables), then the
    history (from `history_job` when one was started), last the obligations.

    Returns the seconds each step took (write_results, history_wait, write_obligations).
    """
    clock = Clock()
    ev = monitoring.evaluation
    results.write_snapshot(conn, ev.members, ev.results, monitoring.forecast, as_of, run_id)
    if data is not None:
        results.write_findings(conn, finding_records(ev.findings, data), run_id)
    clock.lap("write_results")
    computed = history_job.result() if history_job is not None else monitoring.history
    clock.lap("history_wait")
    if computed is not None:
        results.write_history(conn, computed, run_id)
        results.write_history_rules(conn, rules_fingerprint(load_rules()))
    results.write_obligations(conn, ev.obligations)
    clock.lap("write_obligations")
    return clock.laps


def refresh_monitoring(
    conn: Connection,
    data: Mapping[str, pd.DataFrame],
    as_of: dt.date,
    run_id: int,
    history_job: HistoryJob | None = None,
) -> dict[str, float]:
    """Evaluate and store, in the caller's transaction (`evaluate` + `write_results`).

    The history is stored once, when the store has none: from `history_job` when
    the caller started one, else computed here. Returns the seconds per step.
    """
    clock = Clock()
    month_ends = None if history_job is not None else missing_history(conn, as_of)
    monitoring = evaluate(data, as_of, month_ends)
    clock.lap("evaluate")
    laps = write_results(conn, monitoring, as_of, run_id, history_job, data)
    return {**clock.laps, **laps}


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
    `months` month-ends on or before `as_of` (default: the newest date in the data)
    and store it in place of the old one. Returns the number of result rows written."""
    as_of = as_of or data_as_of(data)
    month_ends = month_ends_before(as_of, months)
    rules = rules or load_rules()
    computed = history(data, month_ends, rules, HISTORY_LEVELS)
    written = results.write_history(conn, computed, run_id)
    results.write_history_rules(conn, rules_fingerprint(rules))
    return written
