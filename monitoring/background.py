"""The month-end KPI history, computed in a second process while the caller goes on.

The first load into an empty store needs the history of every month-end (three
years: 36 evaluations, CPU-bound) and also writes the whole extract to the store
(the database's work). A second process overlaps the two. It is spawned, not
forked: the caller may hold database connections and threads; it gets only the
tables the engine reads, pickled. Small inputs are computed in the caller, where
starting a process would cost more than it saves.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor

import pandas as pd

from monitoring.engine import history, normalise
from monitoring.rules import Rules

log = logging.getLogger(__name__)

# Below this many cases the history takes about a second: not worth a process.
BACKGROUND_MIN_CASES = 20_000


class HistoryJob:
    """`history(data, month_ends, rules, levels)`, started now, collected by `result()`.

    `background`: True runs it in a spawned process, False in the caller (at
    `result()`), None decides by size (BACKGROUND_MIN_CASES). Should the process
    fail (killed, out of memory), `result()` computes the history in the caller.
    """

    def __init__(
        self,
        data: Mapping[str, pd.DataFrame],
        month_ends: list[dt.date],
        rules: Rules,
        levels: Sequence[str] | None = None,
        background: bool | None = None,
    ) -> None:
        self._data = normalise(data)  # only the columns the engine reads
        # the history needs no CPR number: none is sent to the other process
        self._data["cases"] = self._data["cases"].drop(columns="cpr")
        self._args = (list(month_ends), rules, list(levels) if levels is not None else None)
        n_cases = len(self._data["cases"])
        self.background = n_cases >= BACKGROUND_MIN_CASES if background is None else background
        self._pool: ProcessPoolExecutor | None = None
        self._future: Future[pd.DataFrame] | None = None
        if self.background:
            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
            self._future = self._pool.submit(history, self._data, *self._args)

    def result(self) -> pd.DataFrame:
        """The history (kind recomputed); waits for the process if it still runs."""
        if self._future is not None and self._pool is not None:
            try:
                return self._future.result()
            except Exception as exc:  # noqa: BLE001 - any failure: compute it here instead
                log.warning("history process failed (%s); computing it here", exc)
            finally:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._future = self._pool = None
        return history(self._data, *self._args)

    def cancel(self) -> None:
        """Stop the process (the load failed before it needed the result)."""
        if self._pool is not None:
            for proc in list(getattr(self._pool, "_processes", {}).values()):
                proc.terminate()
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._future = self._pool = None
