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
from typing import Any

import pandas as pd

from monitoring.engine import _history, _index, history, normalise
from monitoring.rules import Rules

log = logging.getLogger(__name__)

# Below this many cases the history takes about a second: not worth a process.
BACKGROUND_MIN_CASES = 20_000
# Month-ends per task sent to the process (the unit the caller can take over).
PART_MONTHS = 4


class HistoryJob:
    """`history(data, month_ends, rules, levels)`, started now, collected by `result()`.

    `background`: True runs it in a spawned process, False in the caller (at
    `result()`), None decides by size (BACKGROUND_MIN_CASES). The month-ends go to
    the process in parts of PART_MONTHS; parts it has not started when `result()` is
    called are computed by the caller meanwhile, so neither waits long for the
    other. Should the process fail (killed, out of memory), `result()` computes the
    history in the caller.
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
        self._month_ends = list(month_ends)
        self._rules = rules
        self._levels = list(levels) if levels is not None else None
        n_cases = len(self._data["cases"])
        self.background = n_cases >= BACKGROUND_MIN_CASES if background is None else background
        self._pool: ProcessPoolExecutor | None = None
        self._parts = [
            self._month_ends[i : i + PART_MONTHS]
            for i in range(0, len(self._month_ends), PART_MONTHS)
        ]
        self._futures: list[Future[pd.DataFrame]] = []
        if self.background:
            self._pool = ProcessPoolExecutor(
                1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_receive,
                initargs=(self._data, rules, self._levels),
            )
            self._futures = [self._pool.submit(_part, part) for part in self._parts]

    def result(self) -> pd.DataFrame:
        """The history (kind recomputed); computes the parts the process has not begun."""
        if self._pool is None:
            return history(self._data, self._month_ends, self._rules, self._levels)
        try:
            mine = [f.cancel() for f in self._futures]  # not begun: the caller takes them
            d = _index(normalise(self._data)) if any(mine) else None
            out = [
                _history(d, part, self._rules, self._levels) if d is not None and took else None
                for part, took in zip(self._parts, mine, strict=True)
            ]
            out = [
                f.result() if got is None else got
                for f, got in zip(self._futures, out, strict=True)
            ]
            return pd.concat(out, ignore_index=True)
        except Exception as exc:  # noqa: BLE001 - any failure: compute it all here instead
            log.warning("history process failed (%s); computing it here", exc)
            return history(self._data, self._month_ends, self._rules, self._levels)
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool, self._futures = None, []

    def cancel(self) -> None:
        """Stop the process (the load failed before it needed the result)."""
        if self._pool is not None:
            for proc in list(getattr(self._pool, "_processes", {}).values()):
                proc.terminate()
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool, self._futures = None, []


# ------------------------------------------------------------ in the process
_RECEIVED: dict[str, Any] = {}


def _receive(data: dict[str, pd.DataFrame], rules: Rules, levels: list[str] | None) -> None:
    """Pool initializer: the input arrives once and is indexed once."""
    _RECEIVED.update(d=_index(normalise(data)), rules=rules, levels=levels)


def _part(month_ends: list[dt.date]) -> pd.DataFrame:
    return _history(_RECEIVED["d"], month_ends, _RECEIVED["rules"], _RECEIVED["levels"])
