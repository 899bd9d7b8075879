"""The month-end KPI history, computed in a second process while the caller goes on.

The first load into an empty store needs the history of every month-end (three
years: 36 evaluations, CPU-bound) and also writes the whole extract to the store
(the database's work). A second process overlaps the two. It is spawned, not
forked: the caller may hold database connections and threads; it gets only the
tables the engine reads, pickled. Small inputs are computed in the caller, where
starting a process would cost more than it saves.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt
import logging
import multiprocessing
import os
import signal
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

import pandas as pd

from monitoring.inputs import index_data, normalise
from monitoring.month_ends import history, history_from_index
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
    history in the caller. After `result()`, `computed_in` tells which process
    computed each month-end.
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
        # month-end -> id of the process that computed it (os.getpid()), set by result()
        self.computed_in: dict[dt.date, int] = {}
        self._pool: ProcessPoolExecutor | None = None
        self._parts = [
            self._month_ends[i : i + PART_MONTHS]
            for i in range(0, len(self._month_ends), PART_MONTHS)
        ]
        self._futures: list[Future[tuple[int, pd.DataFrame]]] = []
        if self.background:
            self._pool = ProcessPoolExecutor(
                1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_receive,
                initargs=(self._data, rules, self._levels),
            )
            self._futures = [self._pool.submit(_part, part) for part in self._parts]

    @property
    def computed_by_caller(self) -> list[dt.date]:
        """The month-ends this process computed (after `result()`)."""
        return [day for day, pid in self.computed_in.items() if pid == os.getpid()]

    @property
    def computed_by_second_process(self) -> list[dt.date]:
        """The month-ends the second process computed (after `result()`)."""
        return [day for day, pid in self.computed_in.items() if pid != os.getpid()]

    def _inline(self) -> pd.DataFrame:
        self.computed_in = dict.fromkeys(self._month_ends, os.getpid())
        return history(self._data, self._month_ends, self._rules, self._levels)

    def result(self) -> pd.DataFrame:
        """The history (kind recomputed); computes the parts the process has not begun.

        One row per KPI per unit per month-end, in the order of the month-ends.
        """
        if self._pool is None:
            return self._inline()
        try:
            computed_in: dict[dt.date, int] = {}
            # parts the process has not begun are cancelled: the caller takes them
            taken = [future.cancel() for future in self._futures]
            case_data = index_data(normalise(self._data)) if any(taken) else None
            by_caller: dict[int, pd.DataFrame] = {}
            for number, (part, took) in enumerate(zip(self._parts, taken, strict=True)):
                if took and case_data is not None:
                    by_caller[number] = history_from_index(
                        case_data, part, self._rules, self._levels
                    )
                    computed_in.update(dict.fromkeys(part, os.getpid()))
            out: list[pd.DataFrame] = []
            for number, (part, future) in enumerate(zip(self._parts, self._futures, strict=True)):
                if number in by_caller:
                    out.append(by_caller[number])
                else:
                    pid, results = future.result()
                    computed_in.update(dict.fromkeys(part, pid))
                    out.append(results)
            self.computed_in = {day: computed_in[day] for day in self._month_ends}
            return pd.concat(out, ignore_index=True)
        except Exception as exc:  # noqa: BLE001 - any failure: compute it all here instead
            log.warning("history process failed (%s); computing it here", exc)
            return self._inline()
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


_PR_SET_PDEATHSIG = 1  # Linux prctl option: the signal a process gets when its parent dies


def die_with_parent() -> None:
    """Make this (worker) process receive SIGKILL when its parent dies (Linux).

    A load killed with SIGKILL (or by the OOM killer) must not leave its history
    worker computing on; elsewhere this is a no-op.
    """
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _receive(data: dict[str, pd.DataFrame], rules: Rules, levels: list[str] | None) -> None:
    """Pool initializer: the worker dies with the load, and the input arrives once
    and is indexed once."""
    die_with_parent()
    _RECEIVED.update(case_data=index_data(normalise(data)), rules=rules, levels=levels)


def _part(month_ends: list[dt.date]) -> tuple[int, pd.DataFrame]:
    """One part of the history, and the id of the process that computed it."""
    results = history_from_index(
        _RECEIVED["case_data"], month_ends, _RECEIVED["rules"], _RECEIVED["levels"]
    )
    return os.getpid(), results
